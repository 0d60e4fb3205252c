# fsync, renameat, linkat, O_TMPFILE opens and openat2 (syscall) fail on
# demand (__wrap_* in test_install.c, which includes src/install.c:
# unfortified, so the wraps hold).
TEST_CFLAGS_test_install = -U_FORTIFY_SOURCE
TEST_LIBS_test_install = -Wl,--wrap=fsync -Wl,--wrap=renameat -Wl,--wrap=linkat -Wl,--wrap=openat -Wl,--wrap=syscall
