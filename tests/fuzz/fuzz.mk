# tests/fuzz/fuzz.mk - included by the Makefile: the libFuzzer harnesses
# (make fuzz) and the ThreadSanitizer build (tests/t-tsan.sh). Both are
# compiled by clang into object directories of their own, never mixed
# with the gcc objects of the ordinary build.
#
#   make fuzz                       build every harness, run each 60 s
#   make fuzz FUZZ=addr FUZZ_SECONDS=600
#   make fuzz-build tsan-build      build only

SAN_CC = clang
SAN_CPPFLAGS = -D_GNU_SOURCE -Ilib/util -Ilib -Itopology \
	-DMAILSWITCH_VERSION='"$(PACKAGE_VERSION)"' $(PCRE2_CFLAGS)
SAN_DEPS = $(HEADERS) config.mk tests/fuzz/fuzz.mk
# clang's warnings besides gcc's; a table of help lines in one string
# literal is written on purpose.
SAN_WARN = $(WARN) -Wno-string-concatenation

# libFuzzer: the library sources and the milter's parsers, with
# coverage, AddressSanitizer and UndefinedBehaviorSanitizer; any finding
# aborts the run.
FUZZ_DIR = tests/fuzz/build
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS = -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(SAN_WARN) \
	$(SAN_CPPFLAGS) -Imilter -Itests/fuzz
FUZZ_SECONDS = 60
FUZZ_NAMES = $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ = $(FUZZ_NAMES)
FUZZ_LIB_SRCS = $(wildcard lib/util/*.c lib/*.c topology/*.c) milter/config.c \
	milter/sockspec.c milter/msg.c milter/esmtp.c tests/fuzz/fuzz.c
FUZZ_LIB = $(FUZZ_DIR)/libfuzz.a
FUZZ_BINS = $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_NAMES))

$(FUZZ_DIR)/%.o: %.c $(SAN_DEPS) tests/fuzz/fuzz.h
	@mkdir -p $(@D)
	$(SAN_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_LIB): $(patsubst %.c,$(FUZZ_DIR)/%.o,$(FUZZ_LIB_SRCS))
	rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/tests/fuzz/fuzz_%.o $(FUZZ_LIB)
	$(SAN_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LIBS) $(TOPO_LIBS)

# The harness objects are kept (make would remove them as intermediate).
.SECONDARY: $(patsubst %,$(FUZZ_DIR)/tests/fuzz/fuzz_%.o,$(FUZZ_NAMES))

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	sh tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ)

# ThreadSanitizer: maptool and the milter, whole.
TSAN_DIR = tests/tsan/build
TSAN_FLAGS = -g -O1 -fsanitize=thread -fno-omit-frame-pointer
TSAN_CORE_SRCS = $(wildcard lib/util/*.c lib/*.c)
TSAN_MAPTOOL_SRCS = $(TSAN_CORE_SRCS) $(wildcard topology/*.c maptool/*.c)
TSAN_MILTER_SRCS = $(TSAN_CORE_SRCS) $(wildcard milter/*.c)

$(TSAN_DIR)/%.o: %.c $(SAN_DEPS)
	@mkdir -p $(@D)
	$(SAN_CC) $(TSAN_FLAGS) $(SAN_WARN) $(SAN_CPPFLAGS) -c -o $@ $<

$(TSAN_DIR)/maptool/maptool: $(patsubst %.c,$(TSAN_DIR)/%.o,$(TSAN_MAPTOOL_SRCS))
	$(SAN_CC) $(TSAN_FLAGS) -o $@ $^ $(LIBS) $(TOPO_LIBS) $(UNBOUND_LIBS) $(SSL_LIBS)

$(TSAN_DIR)/milter/mailswitch-milter: $(patsubst %.c,$(TSAN_DIR)/%.o,$(TSAN_MILTER_SRCS))
	$(SAN_CC) $(TSAN_FLAGS) -o $@ $^ $(LIBS) $(MILTER_LIBS)

tsan-build: $(TSAN_DIR)/maptool/maptool $(TSAN_DIR)/milter/mailswitch-milter

san-clean:
	rm -rf $(FUZZ_DIR) $(TSAN_DIR)

clean: san-clean

.PHONY: fuzz fuzz-build tsan-build san-clean
