# The two quick-start commands: `make demo` and `make test`.
# Both install missing Debian packages first (as root; otherwise they print the apt line).
BUILD_DIR  ?= build
ASAN_DIR   ?= build-asan
TSAN_DIR   ?= build-tsan
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

FUZZ_DIR     ?= build-fuzz
FUZZ_CXX     ?= clang++-14
FUZZ_SECONDS ?= 300
FUZZ_RSS_MB  ?= 2048
FUZZERS      := npy_header_fuzzer npy_reader_fuzzer mtx_fuzzer csv_fuzzer \
                sketch_decoder_fuzzer trained_sketch_decoder_fuzzer packed_rows_fuzzer

.PHONY: all deps build test test-asan test-tsan fuzz fuzz-build fuzz-smoke demo bench clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Release suites, then every core suite again under ASan+UBSan.
test: build test-asan
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 300

# All core suites (sketch, files, training, regression) under ASan+UBSan.
ASAN_SUITES := core_sketch_test io_test training_test regression_test
test-asan: deps
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Asan -DSKETCHD_BUILD_SERVICE=OFF -DSKETCHD_BUILD_BENCH=OFF
	cmake --build $(ASAN_DIR) -j $(JOBS) --target $(ASAN_SUITES)
	cd $(ASAN_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900 \
	  -L '^($(subst $(eval) ,|,$(ASAN_SUITES)))$$'

# libFuzzer harnesses (fuzz/) in their own clang build. `make fuzz` runs each
# for FUZZ_SECONDS; `make fuzz-smoke` for 25 s each, as CI does. New inputs
# go to $(FUZZ_DIR)/corpus/<name> (the committed seeds in fuzz/corpus are
# only read); a crash, leak, sanitizer report or OOM fails the target and
# leaves the input in $(FUZZ_DIR)/artifacts.
fuzz-build: deps
	cmake -S fuzz -B $(FUZZ_DIR) -DCMAKE_CXX_COMPILER=$(FUZZ_CXX)
	cmake --build $(FUZZ_DIR) -j $(JOBS)

fuzz: fuzz-build
	@mkdir -p $(FUZZ_DIR)/artifacts
	@set -e; for f in $(FUZZERS); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$f; \
	  echo "== $$f ($(FUZZ_SECONDS) s)"; \
	  $(FUZZ_DIR)/$$f $(FUZZ_DIR)/corpus/$$f fuzz/corpus/$$f -max_total_time=$(FUZZ_SECONDS) \
	    -rss_limit_mb=$(FUZZ_RSS_MB) -malloc_limit_mb=$(FUZZ_RSS_MB) -timeout=10 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/$$f- 2>$(FUZZ_DIR)/$$f.log \
	    || { tail -n 60 $(FUZZ_DIR)/$$f.log; echo "FAILED: $$f (log: $(FUZZ_DIR)/$$f.log)"; exit 1; }; \
	  grep -E '^stat::number_of_executed_units|^Done' $(FUZZ_DIR)/$$f.log | tr '\n' ' '; echo; \
	done

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=25

# The server suite (in-process service, real daemon, concurrency) under
# ThreadSanitizer (clean; CI runs it after `test`). Accesses inside Debian's
# uninstrumented gRPC & co. are ignored and gRPC's inlined per-call objects
# suppressed (tests/server/tsan.supp, docs/reliability.md). One test at a
# time (~20 s): two instrumented servers at once on 2 cores made the
# admission-timing test of the memory budget miss its window.
test-tsan: deps
	cmake -S . -B $(TSAN_DIR) -DCMAKE_BUILD_TYPE=Tsan -DSKETCHD_BUILD_BENCH=OFF
	cmake --build $(TSAN_DIR) -j $(JOBS) --target server_test sketchd
	cd $(TSAN_DIR) && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ignore_noninstrumented_modules=1 suppressions=$(CURDIR)/tests/server/tsan.supp" \
	  ctest --output-on-failure -j 1 --timeout 900 -L '^server_test$$'

demo: build
	scripts/demo.sh $(BUILD_DIR)

bench: build
	@echo "benchmarks are in $(BUILD_DIR)/bench; see README.md for the commands"

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR) $(FUZZ_DIR)
