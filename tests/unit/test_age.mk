TEST_LIBS_test_age = -lz
