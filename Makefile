# xiaonao: top-level entry points. CMake does the build; this file only strings steps together.
#   make demo    install what is missing, build, show what xiaonao computes on the shipped robots
#   make test    install what is missing, build, run every test (CTest)
#   make bench   build and run the benchmarks (tables beside MuJoCo)
#   make install install libraries, headers, CMake package and pkg-config file (PREFIX=/usr/local)

BUILD    ?= build
PREFIX   ?= /usr/local
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build test demo bench install sanitize fuzz fuzz-smoke format lint stack-check mutate clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD)

bench: build
	@bash scripts/bench.sh $(BUILD)

install: build
	@cmake --install $(BUILD)

# Tests under AddressSanitizer and UndefinedBehaviorSanitizer (no -march=native: portable).
sanitize: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DXN_SANITIZE=ON -DXN_NATIVE=OFF -DXN_BUILD_BENCH=OFF >/dev/null
	@cmake --build build-asan -j $(JOBS) -- --no-print-directory
	@ctest --test-dir build-asan --output-on-failure -j $(JOBS)

# libFuzzer harnesses (clang). FUZZ_SECONDS per harness for the smoke run.
FUZZ_SECONDS ?= 30
fuzz: deps
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXN_BUILD_FUZZ=ON \
	  -DXN_BUILD_TESTS=OFF -DXN_BUILD_BENCH=OFF -DXN_BUILD_TOOLS=OFF >/dev/null
	@cmake --build build-fuzz -j $(JOBS) -- --no-print-directory

fuzz-smoke: fuzz
	@bash scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS)

# The control step's worst-case stack from GCC's call graph and frame sizes: fails over 16 KB.
stack-check: deps
	@cmake -S . -B build-stack -DXN_BUILD_TESTS=OFF -DXN_BUILD_BENCH=OFF -DXN_BUILD_TOOLS=OFF \
	  -DCMAKE_C_FLAGS="-fstack-usage -fcallgraph-info=su" >/dev/null
	@cmake --build build-stack -j $(JOBS) --target xiaonao_obj $$(cmake --build build-stack \
	  --target help | grep -o 'xiaonao_\(learn\|mujoco\)_obj' | sort -u) -- --no-print-directory
	@python3 scripts/stack_check.py build-stack

# Deliberate faults (tests/mutations.txt), one at a time in a scratch copy (build-mutate/): the
# suite must fail on each. MUTATE="--rotate 4" runs four of them, a different four per commit (CI);
# without it, all of them (before an issue is resolved).
MUTATE ?=
mutate: deps
	@python3 scripts/mutate.py --jobs $(JOBS) $(MUTATE)

format:
	@clang-format -i $$(git ls-files --cached --others --exclude-standard '*.c' '*.h')

lint:
	@clang-format --dry-run -Werror $$(git ls-files --cached --others --exclude-standard '*.c' '*.h')
	@cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --std=c11 \
	  --inline-suppr -UXN_REAL_FLOAT -I include -I src src tools
	@cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --std=c11 \
	  --inline-suppr -UXN_REAL_FLOAT -I include -I src python
	@python3 scripts/mutate.py --check

clean:
	@rm -rf $(BUILD) build-asan build-fuzz build-stack build-mutate
