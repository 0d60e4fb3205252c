# fsync, renameat, linkat, O_TMPFILE opens and write fail on demand
# (__wrap_* in test_io.c; io.o in the library is wrapped as it links).
TEST_CFLAGS_test_io = -U_FORTIFY_SOURCE
TEST_LIBS_test_io = -Wl,--wrap=fsync -Wl,--wrap=renameat -Wl,--wrap=linkat -Wl,--wrap=openat -Wl,--wrap=write
