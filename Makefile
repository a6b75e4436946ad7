# SkillStream's entry points. Every target installs what is missing first (Scripts/install-deps.sh)
# and runs on the librdkafka 2.x runtime linked into .build-runtime/lib (Debian 12's 2.0.2 cannot
# handshake with current brokers).
SHELL := /bin/bash
export LD_LIBRARY_PATH := $(CURDIR)/.build-runtime/lib$(if $(LD_LIBRARY_PATH),:$(LD_LIBRARY_PATH))
DEMO_DIR := $(CURDIR)/.demo

.PHONY: deps build build-tests check-schemas check-contract-world check-deploy check-lag-alert test test-unit test-integration test-dashboard bench demo demo-stop clean

deps:
	@Scripts/install-deps.sh

build: deps
	swift build --product skillstream

# Unit tests first (no servers), then the integration tests against a real PostgreSQL and a real
# Kafka-compatible broker that Scripts/services.sh starts and always stops, then the dashboard in
# headless Chromium; and the deployment files through their own tools.
test: check-schemas check-contract-world check-deploy test-unit test-integration check-lag-alert test-dashboard

# The event contract's JSON Schemas checked by a real validator against the examples.
check-schemas: deps
	python3 Scripts/check_event_schemas.py

# The contract against a producer written apart from SkillStream (Scripts/second_world.py): its
# events replayed, every valid one processed, every malformed one dead-lettered for its reason.
check-contract-world: build-tests
	python3 Scripts/check_second_world.py --binary .build/debug/skillstream

# Dockerfile, docker-compose.yml, Prometheus rules and dashboard, Kubernetes manifests: each
# checked by the real tool (Scripts/check_deploy.sh says which).
check-deploy:
	Scripts/install-deps.sh --deploy
	Scripts/check_deploy.sh

# The lag alert evaluated by a real Prometheus over a live feed: quiet while the processor runs,
# firing once it is stopped, cleared once it is back (Scripts/check_lag_alert.sh).
check-lag-alert: build-tests
	Scripts/install-deps.sh --deploy
	Scripts/services.sh run -- Scripts/check_lag_alert.sh

build-tests: deps
	swift build --build-tests

test-unit: build-tests
	swift test --skip-build --skip SkillStreamIntegrationTests

test-integration: build-tests
	Scripts/services.sh run -- swift test --skip-build --no-parallel --filter SkillStreamIntegrationTests

# Every dashboard page in a real browser over freshly processed data: no console error, no broken
# link; screenshots in .build-screenshots/.
test-dashboard: build-tests
	Scripts/install-deps.sh --browser
	Scripts/services.sh run -- Scripts/dashboard_check.sh .build-screenshots

bench: deps
	swift build -c release --product skillstream-bench
	swift build -c release --product skillstream
	python3 Scripts/bench_learners.py --binary .build/release/skillstream --streams ../shared/data/streams --output BENCHMARKS.md
	python3 Scripts/bench_domain.py --bench-binary .build/release/skillstream-bench --output BENCHMARKS.md
	python3 Scripts/bench_simulator.py --binary .build/release/skillstream --output BENCHMARKS.md
	python3 Scripts/bench_detection.py --binary .build/release/skillstream --output BENCHMARKS.md
	Scripts/services.sh run -- python3 Scripts/bench_kafka.py --bench-binary .build/release/skillstream-bench --output BENCHMARKS.md
	Scripts/services.sh run -- python3 Scripts/bench_processor.py --binary .build/release/skillstream --bench-binary .build/release/skillstream-bench --output BENCHMARKS.md
	Scripts/install-deps.sh --browser
	Scripts/services.sh run -- python3 Scripts/bench_api.py --binary .build/release/skillstream --output BENCHMARKS.md

# The product end to end on embedded servers (Scripts/demo.sh says what it runs); the servers stay
# up for a look around, `make demo-stop` stops them. DEMO_LANGUAGE=en for English.
demo: build
	@Scripts/demo.sh $(DEMO_DIR)

demo-stop:
	@Scripts/services.sh stop $(DEMO_DIR)
	@rm -rf $(DEMO_DIR)
	@echo "Demo servers stopped."

clean:
	rm -rf .build .build-runtime $(DEMO_DIR)
