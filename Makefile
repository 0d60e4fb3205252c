# secretctl — plain GNU make. `make demo` and `make check` are all a new
# machine needs; see README.md.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
PKG_CONFIG ?= pkg-config
# Completion directories: where bash-completion and fish look (pkg-config,
# relocated under PREFIX), and zsh's site-functions.
BASHCOMPDIR ?= $(or $(shell $(PKG_CONFIG) --define-variable=prefix=$(PREFIX) --variable=completionsdir bash-completion 2>/dev/null),$(DATADIR)/bash-completion/completions)
FISHCOMPDIR ?= $(or $(shell $(PKG_CONFIG) --define-variable=prefix=$(PREFIX) --variable=completionsdir fish 2>/dev/null),$(DATADIR)/fish/vendor_completions.d)
# Debian's zsh reads vendor-completions, not site-functions, under /usr
ZSHCOMPDIR ?= $(if $(and $(filter /usr,$(PREFIX)),$(wildcard /usr/share/zsh/vendor-completions)),$(DATADIR)/zsh/vendor-completions,$(DATADIR)/zsh/site-functions)

VERSION := 0.1.0
BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
WERROR ?= 1
SAN ?= 0

PKGS := yaml-0.1 libsodium
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# STATIC_DEPS=1 (the default): libsodium and libyaml are linked in from
# their .a files (Debian's -dev packages ship them); libc stays shared and
# libsecret is dlopen'ed. It saves the loader about 0.23 M instructions and
# two mappings per run, the biggest fixed cost of `extract` after the exec
# (BENCHMARKS.md). The price: a libsodium or libyaml security update
# reaches secretctl when it is rebuilt (`make install` again), not by apt
# alone. STATIC_DEPS=0 links both shared.
STATIC_DEPS ?= 1
ifeq ($(STATIC_DEPS)$(if $(filter /%,$(shell $(CC) -print-file-name=libsodium.a)),y)$(if $(filter /%,$(shell $(CC) -print-file-name=libyaml.a)),y),1yy)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs-only-L $(PKGS) 2>/dev/null) -Wl,-Bstatic -lyaml -lsodium \
	-Wl,-Bdynamic -pthread
else
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
endif
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-missing-field-initializers
ifeq ($(WERROR),1)
WARN += -Werror
endif
ifeq ($(SAN),1)
HARDEN_CFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HARDEN_LDFLAGS := -fsanitize=address,undefined
else
HARDEN_CFLAGS := -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -fstack-protector-strong \
	-fstack-clash-protection -fPIE
HARDEN_LDFLAGS := -pie -Wl,-z,relro,-z,now
endif

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Iinclude $(WARN) $(CFLAGS) $(HARDEN_CFLAGS) $(PKG_CFLAGS) \
	-DSECRETCTL_VERSION='"$(VERSION)"'
ALL_LDFLAGS = $(LDFLAGS) $(HARDEN_LDFLAGS)
LIBS = $(PKG_LIBS) -ldl

LIB_SRC := $(sort $(wildcard src/*.c))
CMD_SRC := $(sort $(wildcard cmd/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ := $(CMD_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:%.c=$(BUILD)/%)
TOOL_BIN := $(TOOL_SRC:%.c=$(BUILD)/%)
LIBA := $(BUILD)/libsecretctl.a
BIN := $(BUILD)/secretctl
MAN := $(BUILD)/docs/secretctl.1

# Per-test extras: tests/unit/test_NAME.mk may set TEST_LIBS_test_NAME
# (e.g. -lz, -Wl,--wrap=fsync) and TEST_CFLAGS_test_NAME.
-include $(wildcard tests/unit/*.mk)

.PHONY: all check asan valgrind install uninstall demo bench fuzz clean deps deps-build man
all: $(BIN) $(MAN)

$(BUILD)/%.o: %.c $(wildcard include/secretctl/*.h) Makefile
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(CMD_OBJ) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CMD_OBJ) $(LIBA) $(LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIBA) $(wildcard include/secretctl/*.h tests/tools/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) $(TEST_CFLAGS_$*) -o $@ $< $(ALL_LDFLAGS) \
		$(TEST_LIBS_$*) $(LIBA) $(CMOCKA_LIBS) $(LIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c $(LIBA) $(wildcard include/secretctl/*.h tests/tools/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(LIBA) $(LIBS)

# The man page is written in scdoc; without scdoc the build still works.
man: $(MAN)
$(MAN): $(wildcard docs/secretctl.1.scd)
	@mkdir -p $(@D)
	@if [ -f docs/secretctl.1.scd ] && command -v scdoc >/dev/null; then \
		scdoc < docs/secretctl.1.scd > $@; \
	else : > $@; fi

deps-build:
	@sh scripts/deps.sh build
deps:
	@sh scripts/deps.sh test

check: deps
	$(MAKE) --no-print-directory tests-build
	@sh tests/run.sh $(BUILD)

tests-build: $(BIN) $(MAN) $(UNIT_BIN) $(TOOL_BIN)
.PHONY: tests-build

asan:
	$(MAKE) --no-print-directory BUILD=build-asan SAN=1 CFLAGS='-O1 -g' check

valgrind: deps
	$(MAKE) --no-print-directory tests-build
	@VALGRIND=1 sh tests/run.sh $(BUILD)

demo: deps-build
	$(MAKE) --no-print-directory $(BIN)
	@sh scripts/demo.sh $(BIN)

bench:
	@sh scripts/deps.sh bench
	$(MAKE) --no-print-directory $(BIN) $(TOOL_BIN)
	@sh bench/run.sh $(BUILD)

FUZZ_SECONDS ?= 30
fuzz: deps
	$(MAKE) --no-print-directory tests-build
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/secretctl
	install -m 0644 $(MAN) $(DESTDIR)$(MANDIR)/man1/secretctl.1
	install -m 0644 completions/bash/secretctl $(DESTDIR)$(BASHCOMPDIR)/secretctl
	install -m 0644 completions/zsh/_secretctl $(DESTDIR)$(ZSHCOMPDIR)/_secretctl
	install -m 0644 completions/fish/secretctl.fish $(DESTDIR)$(FISHCOMPDIR)/secretctl.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/secretctl $(DESTDIR)$(MANDIR)/man1/secretctl.1 \
		$(DESTDIR)$(BASHCOMPDIR)/secretctl $(DESTDIR)$(ZSHCOMPDIR)/_secretctl \
		$(DESTDIR)$(FISHCOMPDIR)/secretctl.fish

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d)
