# Deployment helpers (the Rust workflow itself is plain cargo; see README.md).
#   make validate   sam validate --lint and cfn-lint on template.yaml
#   make sam-build  sam build: the arm64 `bootstrap` in .aws-sam/build/WebhookFunction/
#   make deploy     sam build, then sam deploy (add GUIDED=1 the first time)
#   make watch      cargo lambda watch: the webhook on a local Lambda emulator, in local
#                   mode (the variables of events/local-env.json: no AWS needed)
#   make invoke     cargo lambda invoke webhook with EVENT (needs `make watch` running)
# Each target first installs the deploy tools it uses (scripts/tools.sh deploy: AWS SAM
# CLI, cfn-lint, cargo-lambda, into ~/.cache/booxi-notify/venv; skipped when present).

VENV ?= $(HOME)/.cache/booxi-notify/venv
export PATH := $(VENV)/bin:$(PATH)
export SAM_CLI_TELEMETRY ?= 0

EVENT ?= events/confirmation-created.json
# KEY=VALUE,… from events/local-env.json (SAM's --env-vars file), for cargo lambda watch.
LOCAL_ENV = $(shell python3 -c 'import json; print(",".join(k + "=" + v for k, v in json.load(open("events/local-env.json"))["WebhookFunction"].items()))')
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
	cd functions/webhook && cargo lambda watch --env-vars '$(LOCAL_ENV)'

invoke: tools
	cargo lambda invoke webhook --data-file $(EVENT)
