# Makefile - build, test and install mailswitch.
#
#   make            configure (first time) and build
#   make check      install what the tests need, build, run the test suite
#   make demo       install what the demo needs, build, draw the example's
#                   routes (examples/inkacoca/build/routes.svg), run the demo
#   make install DESTDIR=...   programs, manual pages, examples
#   make deb        the Debian package, built from a copy of the sources,
#                   into build/deb (DEB_OUT=DIR elsewhere; README: Install)
#   make SANITIZE=1 check   the same suite under ASan and UBSan
#   make fuzz-diff  a long randomized differential run against sendmail
#                   (FUZZ_SEEDS, FUZZ_TABLES; see tests/t-sendmail-random.sh)
#   make fuzz       the libFuzzer harnesses (tests/fuzz/README)

NO_CONFIG_GOALS = clean distclean san-clean deb
ifeq ($(filter $(NO_CONFIG_GOALS),$(MAKECMDGOALS)),)
include config.mk
endif

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-format-nonliteral
ifeq ($(SANITIZE),1)
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
ALL_CFLAGS = $(CFLAGS) $(WARN) $(SAN) -D_GNU_SOURCE -Ilib/util -Ilib -Itopology \
	-DMAILSWITCH_VERSION='"$(PACKAGE_VERSION)"' $(PCRE2_CFLAGS) $(CRYPTO_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(SAN)

# Three layers, each a static library; each includes only from those
# below it (tests/t-layers.sh checks): util (no mail knowledge), the
# virtusertable core, the topology.
UTIL_OBJS = $(patsubst %.c,%.o,$(wildcard lib/util/*.c))
CORE_OBJS = $(patsubst %.c,%.o,$(wildcard lib/*.c))
TOPO_OBJS = $(patsubst %.c,%.o,$(wildcard topology/*.c))
UTIL_LIB = lib/util/libmsutil.a
CORE_LIB = lib/libmailswitch.a
TOPO_LIB = topology/libtopology.a
MAPTOOL_OBJS = $(patsubst %.c,%.o,$(wildcard maptool/*.c))
MILTER_OBJS = $(patsubst %.c,%.o,$(wildcard milter/*.c))
UNIT_OBJS = $(patsubst %.c,%.o,$(wildcard tests/unit/*.c))
LIBS = $(DB_LIBS) $(PCRE2_LIBS)
TOPO_LIBS = $(CRYPTO_LIBS) $(LDAP_LIBS)	# the topology layer's own: TLSA digests, users from LDAP
# UNBOUND_LIBS: maptool dnscheck's resolver, linked into maptool only.
# SSL_LIBS: its MTA-STS policy fetch (HTTPS), maptool only: never the milter.

MAN8 = $(wildcard doc/*.8)
completiondir = $(datarootdir)/bash-completion/completions
MAN5 = $(wildcard doc/*.5)
# The examples a packager installs: tables, MTA fragments and the seed
# organisation's topology (the demos run from the source tree only).
EXAMPLES = $(wildcard examples/*.vut)
EXAMPLES_RECIPES = $(wildcard examples/recipes/*.cf examples/recipes/*.mc)
EXAMPLES_ORG = $(wildcard examples/inkacoca/README examples/inkacoca/*.topology \
	examples/inkacoca/deploy)
EXAMPLES_USERS = $(wildcard examples/inkacoca/users/*)
EXAMPLES_LDAP = $(wildcard examples/ldap/*)
PROGS = maptool/maptool
ifneq ($(MILTER_OBJS),)
PROGS += milter/mailswitch-milter
endif
ifeq ($(HAVE_CHECK)$(if $(UNIT_OBJS),1),yes1)
UNIT = tests/unit/unit
endif

all: $(PROGS) $(UNIT)

config.mk: configure config.mk.in
	@sh build-aux/install-deps build
	./configure

# Objects are rebuilt when the flags change (make SANITIZE=1 after make).
FLAGS_ID = $(CC) $(ALL_CFLAGS) $(CPPFLAGS) $(ALL_LDFLAGS)
.build-flags: FORCE
	@echo '$(FLAGS_ID)' | cmp -s - $@ 2>/dev/null || echo '$(FLAGS_ID)' >$@

HEADERS = $(wildcard lib/util/*.h lib/*.h topology/*.h maptool/*.h milter/*.h)
%.o: %.c $(HEADERS) config.mk .build-flags
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) -c -o $@ $<

$(UTIL_LIB): $(UTIL_OBJS)
	rm -f $@ && ar rcs $@ $(UTIL_OBJS)
$(CORE_LIB): $(CORE_OBJS)
	rm -f $@ && ar rcs $@ $(CORE_OBJS)
$(TOPO_LIB): $(TOPO_OBJS)
	rm -f $@ && ar rcs $@ $(TOPO_OBJS)

# Linked top layer first, so each library resolves into the ones below.
maptool/maptool: $(MAPTOOL_OBJS) $(TOPO_LIB) $(CORE_LIB) $(UTIL_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(MAPTOOL_OBJS) $(TOPO_LIB) $(CORE_LIB) $(UTIL_LIB) $(LIBS) $(TOPO_LIBS) $(UNBOUND_LIBS) $(SSL_LIBS)

# The milter links the core and util layers only, never the topology.
milter/mailswitch-milter: $(MILTER_OBJS) $(CORE_LIB) $(UTIL_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(MILTER_OBJS) $(CORE_LIB) $(UTIL_LIB) $(LIBS) $(MILTER_LIBS)

tests/unit/%.o: ALL_CFLAGS += $(CHECK_CFLAGS)
tests/unit/unit: $(UNIT_OBJS) $(TOPO_LIB) $(CORE_LIB) $(UTIL_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(UNIT_OBJS) $(TOPO_LIB) $(CORE_LIB) $(UTIL_LIB) $(LIBS) $(TOPO_LIBS) $(CHECK_LIBS)

include tests/fuzz/fuzz.mk

check: deps-test all
	tests/run

# The randomized differential test of make check, longer: FUZZ_SEEDS
# (blank-separated; default: one from the clock, printed in the log) and
# FUZZ_TABLES tables a seed. tests/log/t-sendmail-random.log has the figures.
FUZZ_SEEDS = $(shell date +%s)
FUZZ_TABLES = 1000
FUZZ_TIMEOUT = 7200
fuzz-diff: deps-test all
	TEST_TIMEOUT=$(FUZZ_TIMEOUT) RANDOM_SEED="$(FUZZ_SEEDS)" \
		RANDOM_TABLES=$(FUZZ_TABLES) tests/run tests/t-sendmail-random.sh

deps-test:
	@sh build-aux/install-deps test

# The picture of the example's routes first: it needs no network.
DEMO_BUILD = examples/inkacoca/build
demo: all
	@sh build-aux/install-deps demo
	maptool/maptool build examples/inkacoca/inkacoca.topology -o $(DEMO_BUILD) >/dev/null
	dot -Tsvg $(DEMO_BUILD)/routes.dot -o $(DEMO_BUILD)/routes.svg
	@echo "demo: how mail for inkacoca.org travels is drawn in $(DEMO_BUILD)/routes.svg"
	sh examples/demo
	sh examples/inkacoca/demo

# The programs only: the unit tests are no part of what is installed.
install: $(PROGS)
	mkdir -p $(DESTDIR)$(sbindir) $(DESTDIR)$(mandir)/man8 $(DESTDIR)$(mandir)/man5
	$(INSTALL) -m 755 $(PROGS) $(DESTDIR)$(sbindir)/
	$(if $(MAN8),$(INSTALL) -m 644 $(MAN8) $(DESTDIR)$(mandir)/man8/)
	$(if $(MAN5),$(INSTALL) -m 644 $(MAN5) $(DESTDIR)$(mandir)/man5/)
	mkdir -p $(DESTDIR)$(docdir)/examples/inkacoca/users
	$(INSTALL) -m 644 $(EXAMPLES) $(DESTDIR)$(docdir)/examples/
	mkdir -p $(DESTDIR)$(docdir)/examples/recipes
	$(INSTALL) -m 644 $(EXAMPLES_RECIPES) $(DESTDIR)$(docdir)/examples/recipes/
	$(INSTALL) -m 644 $(EXAMPLES_ORG) $(DESTDIR)$(docdir)/examples/inkacoca/
	$(INSTALL) -m 644 $(EXAMPLES_USERS) $(DESTDIR)$(docdir)/examples/inkacoca/users/
	mkdir -p $(DESTDIR)$(docdir)/examples/ldap
	$(INSTALL) -m 644 $(EXAMPLES_LDAP) $(DESTDIR)$(docdir)/examples/ldap/
	mkdir -p $(DESTDIR)$(completiondir)
	$(INSTALL) -m 644 doc/completion/maptool doc/completion/mailswitch-milter \
		$(DESTDIR)$(completiondir)/

# The Debian package (debian/), built by dpkg-buildpackage in a copy of
# the sources under DEB_OUT, so that neither this tree nor its parent
# directory gets the build's files; the .deb and .changes land in DEB_OUT.
DEB_OUT = build/deb
deb:
	sh build-aux/make-deb $(DEB_OUT)

clean:
	rm -f lib/util/*.o lib/util/*.a lib/*.o lib/*.a topology/*.o topology/*.a maptool/*.o maptool/maptool milter/*.o \
		milter/mailswitch-milter tests/unit/*.o tests/unit/unit .build-flags
	rm -rf tests/log $(DEMO_BUILD) build

distclean: clean
	rm -f config.mk config.log config.status
	rm -rf autom4te.cache tests/.cache

.PHONY: all check fuzz-diff deps-test demo install deb clean distclean FORCE
