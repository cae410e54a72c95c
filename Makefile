# Deployment helpers (the Rust workflow itself is plain cargo; see README.md).
#   make validate   sam validate --lint and cfn-lint on template.yaml
#   make sam-build  sam build: the arm64 `bootstrap` in .aws-sam/build/WebhookFunction/
#   make deploy     sam build, then sam deploy (add GUIDED=1 the first time)
#   make watch      cargo lambda watch: the webhook on a local Lambda emulator
#   make invoke     cargo lambda invoke webhook with EVENT (needs `make watch` running)
# Each target first installs the deploy tools it uses (scripts/tools.sh deploy: AWS SAM
# CLI, cfn-lint, cargo-lambda, into ~/.cache/booxi-notify/venv; skipped when present).

VENV ?= $(HOME)/.cache/booxi-notify/venv
export PATH := $(VENV)/bin:$(PATH)
export SAM_CLI_TELEMETRY ?= 0

EVENT ?= events/confirmation-created.json
BOOTSTRAP := .aws-sam/build/WebhookFunction/bootstrap

.PHONY: tools validate sam-build build deploy watch invoke

tools:
	scripts/tools.sh deploy

validate: tools
	sam validate --lint --template template.yaml
	cfn-lint template.yaml

sam-build build: tools
	sam build --template template.yaml
	@file $(BOOTSTRAP) 2>/dev/null || true
	@ls -l $(BOOTSTRAP)

deploy: sam-build
	sam deploy $(if $(GUIDED),--guided)

watch: tools
	cd functions/webhook && cargo lambda watch

invoke: tools
	cargo lambda invoke webhook --data-file $(EVENT)
