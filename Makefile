# Thin wrapper around Meson.  The two set-up commands of the README:
#   make run   - install missing packages, build, serve on http://127.0.0.1:8080
#   make test  - install missing packages, build with ASan+UBSan, run every suite
BUILD      ?= build
TESTBUILD  ?= build-test
DATA       ?= data

.PHONY: all run test unit bench fuzz valgrind clean deps-run deps-test

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps-run:
	@sh tools/deps.sh run

deps-test:
	@sh tools/deps.sh test

# The run build needs no test-only package: it leaves the unit tests out
# (tests/newcomer proves it with those packages hidden).
RUNSETUP   = --buildtype=debugoptimized -Dtests=disabled

$(BUILD)/build.ninja: | deps-run
	meson setup $(BUILD) $(RUNSETUP)

$(TESTBUILD)/build.ninja: | deps-test
	meson setup $(TESTBUILD) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false -Dtests=enabled

run: deps-run $(BUILD)/build.ninja
	ninja -C $(BUILD)
	$(BUILD)/infuus serve --data $(DATA) --listen 127.0.0.1:8080 --demo

test: deps-test $(TESTBUILD)/build.ninja
	ninja -C $(TESTBUILD)
	sh tests/run-all $(TESTBUILD)

unit: $(TESTBUILD)/build.ninja
	ninja -C $(TESTBUILD)
	sh tests/run-all $(TESTBUILD) unit

bench: $(BUILD)/build.ninja
	@sh tools/deps.sh bench
	ninja -C $(BUILD)
	sh bench/run $(BUILD)

# The unit tests of a plain (unsanitised) build under valgrind; not the
# run build, which leaves the unit tests out.
VGBUILD    ?= build-valgrind
$(VGBUILD)/build.ninja: | deps-test
	meson setup $(VGBUILD) --buildtype=debugoptimized -Dtests=enabled

valgrind: $(VGBUILD)/build.ninja
	ninja -C $(VGBUILD)
	sh tools/valgrind-unit $(VGBUILD)

fuzz:
	@sh tools/deps.sh fuzz
	sh fuzz/run

clean:
	rm -rf $(BUILD) $(TESTBUILD) $(VGBUILD) build-fuzz
