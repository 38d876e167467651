# The two commands a fresh Debian 12 machine needs: `make run` and `make test`.
# Both install their dependencies first (scripts/install-deps).
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
AIRAN_TEST_DATA ?= $(CURDIR)/../shared/data
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: deps build run test test-asan bench fuzz clean format

deps:
	@scripts/install-deps

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DAIRAN_WERROR=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/airan run

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The unit tests once more under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAIRAN_WERROR=ON -DAIRAN_SANITIZE=ON \
	  -DAIRAN_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

# Each libFuzzer target (fuzz/*_fuzz.cpp) for FUZZ_SECONDS, built with clang++ in its own
# directory, starting from its seeds: fuzz/seeds/<target>/ when present, and for gguf_fuzz seeds
# shrunk from the shared GGUF files (fuzz/gguf_seeds.cpp). A crash fails the target.
fuzz: deps
	CXX=clang++ cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAIRAN_FUZZ=ON \
	  -DAIRAN_WERROR=ON -DAIRAN_BUILD_TESTS=OFF -DAIRAN_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target gguf_seeds $(notdir $(basename $(wildcard fuzz/*_fuzz.cpp)))
	rm -rf $(FUZZ_DIR)/seeds && mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/seeds
	$(FUZZ_DIR)/gguf_seeds $(FUZZ_DIR)/seeds/gguf_fuzz $(AIRAN_TEST_DATA)/llm/models/*.gguf \
	  $(AIRAN_TEST_DATA)/llm/vocab/*.gguf
	for t in $(notdir $(basename $(wildcard fuzz/*_fuzz.cpp))); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$t && \
	  $(FUZZ_DIR)/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=4096 \
	    -timeout=20 -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/ \
	    $(FUZZ_DIR)/corpus/$$t $$(ls -d $(FUZZ_DIR)/seeds/$$t fuzz/seeds/$$t 2>/dev/null) || exit 1; \
	done

bench: build
	$(BUILD_DIR)/airan bench ldpc

format:
	clang-format -i $$(git ls-files '*.h' '*.cpp')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
