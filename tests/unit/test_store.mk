# fsync, rename and write fail on demand (see __wrap_* in test_store.c).
TEST_LIBS_test_store = -Wl,--wrap=fsync -Wl,--wrap=renameat -Wl,--wrap=write
