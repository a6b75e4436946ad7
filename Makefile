# SkillStream's entry points. Every target installs what is missing first (Scripts/install-deps.sh)
# and runs on the librdkafka 2.x runtime linked into .build-runtime/lib (Debian 12's 2.0.2 cannot
# handshake with current brokers).
SHELL := /bin/bash
export LD_LIBRARY_PATH := $(CURDIR)/.build-runtime/lib$(if $(LD_LIBRARY_PATH),:$(LD_LIBRARY_PATH))
DEMO_DIR := $(CURDIR)/.demo

.PHONY: deps build build-tests check-schemas test test-unit test-integration bench demo demo-stop clean

deps:
	@Scripts/install-deps.sh

build: deps
	swift build --product skillstream

# Unit tests first (no servers), then the integration tests against a real PostgreSQL and a real
# Kafka-compatible broker that Scripts/services.sh starts and always stops.
test: check-schemas test-unit test-integration

# The event contract's JSON Schemas checked by a real validator against the examples.
check-schemas: deps
	python3 Scripts/check_event_schemas.py

build-tests: deps
	swift build --build-tests

test-unit: build-tests
	swift test --skip-build --skip SkillStreamIntegrationTests

test-integration: build-tests
	Scripts/services.sh run -- swift test --skip-build --no-parallel --filter SkillStreamIntegrationTests

bench: deps
	swift build -c release --product skillstream-bench
	swift build -c release --product skillstream
	python3 Scripts/bench_learners.py --binary .build/release/skillstream --streams ../shared/data/streams --output BENCHMARKS.md
	python3 Scripts/bench_domain.py --bench-binary .build/release/skillstream-bench --output BENCHMARKS.md
	python3 Scripts/bench_simulator.py --binary .build/release/skillstream --output BENCHMARKS.md
	python3 Scripts/bench_detection.py --binary .build/release/skillstream --output BENCHMARKS.md
	Scripts/services.sh run -- python3 Scripts/bench_kafka.py --bench-binary .build/release/skillstream-bench --output BENCHMARKS.md

# Until the processor lands: start PostgreSQL and the broker (left running), apply the schema,
# check both, publish two weeks of a simulated restaurant group, and say what is missing.
# `make demo-stop` stops the servers.
demo: build
	@Scripts/services.sh stop $(DEMO_DIR) 2>/dev/null || true
	@rm -rf $(DEMO_DIR)
	@Scripts/services.sh start $(DEMO_DIR)
	@source $(DEMO_DIR)/services.env && .build/debug/skillstream migrate && .build/debug/skillstream doctor
	@source $(DEMO_DIR)/services.env && .build/debug/skillstream simulate --days 14 --ground-truth $(DEMO_DIR)/ground-truth.json
	@echo
	@echo "PostgreSQL and the Kafka broker are running (variables in $(DEMO_DIR)/services.env);"
	@echo "two weeks of simulated restaurants are in the broker's topics (ground truth: $(DEMO_DIR)/ground-truth.json)."
	@echo "Not yet part of the demo: the stream processor and the dashboard (open issues)."
	@echo "Stop the servers with: make demo-stop"

demo-stop:
	@Scripts/services.sh stop $(DEMO_DIR)
	@rm -rf $(DEMO_DIR)
	@echo "Demo servers stopped."

clean:
	rm -rf .build .build-runtime $(DEMO_DIR)
