# VgpuIac: `make demo` runs the quickstart against a simulated PVE node; `make test` runs every test.
SHELL := /bin/bash
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export MSBUILDDISABLENODEREUSE := 1

VERSION    ?= 0.1.0
RID        ?= linux-x64
ARTIFACTS  := $(CURDIR)/artifacts
PROVIDER   := $(ARTIFACTS)/provider/terraform-provider-vgpu
PULUMI     := $(ARTIFACTS)/pulumi/pulumi-resource-vgpu
CONFIG     ?= Release

.PHONY: convergence fuzz all build build-dotnet provider pulumi-plugin bench-tools test test-unit demo bench bench-smoke docs release clean pulumi-sdk fuzz

all: build

## build: compile the solution and publish both plugins as Native AOT executables
build: build-dotnet provider pulumi-plugin bench-tools

build-dotnet:
	dotnet build VgpuIac.sln -c $(CONFIG) -v q -nologo

provider:
	dotnet publish provider/VgpuIac.Terraform -c Release -r $(RID) -p:PublishAot=true -p:Version=$(VERSION) -o $(ARTIFACTS)/provider -v q -nologo

pulumi-plugin:
	dotnet publish pulumi/VgpuIac.Pulumi -c Release -r $(RID) -p:PublishAot=true -p:Version=$(VERSION) -o $(ARTIFACTS)/pulumi -v q -nologo

## bench-tools: the start-up floor (Native AOT) and the micro-benchmarks (Release)
bench-tools:
	dotnet publish bench/VgpuIac.BenchFloor -c Release -r $(RID) -p:PublishAot=true -o $(ARTIFACTS)/bench-floor -v q -nologo
	dotnet build bench/VgpuIac.Benchmarks -c Release -v q -nologo

## test: every test project; ends with one line "N passed, N failed, N skipped"
test: build
	VGPU_PROVIDER_BINARY=$(PROVIDER) VGPU_PULUMI_BINARY=$(PULUMI) scripts/run-tests.sh -c $(CONFIG)

## test-unit: the tests without building the AOT binaries first (e2e tests then use the JIT build)
test-unit: build-dotnet
	scripts/run-tests.sh -c $(CONFIG)

## demo: simulated node + provider + terraform init/plan/apply of the quickstart, then clean up
demo: build-dotnet provider
	scripts/demo.sh

## bench: benchmarks against simulated nodes; writes bench/results/latest.md
bench: build
	bench/goplugin/build.sh $(ARTIFACTS)/bench-go
	scripts/bench.sh

bench-smoke: build
	BENCH_SMOKE=1 scripts/bench.sh

## docs: registry-layout docs generated from the schema and examples/
docs: build-dotnet
	dotnet provider/VgpuIac.Terraform/bin/$(CONFIG)/net10.0/terraform-provider-vgpu.dll docs --out docs --examples examples/terraform

## release: registry artifacts (zips per OS/arch, SHA256SUMS, manifest) in artifacts/release
release:
	scripts/release.sh $(VERSION)

## pulumi-sdk: generate the C# SDK from the plugin's schema (needs the pulumi CLI)
pulumi-sdk: pulumi-plugin
	$(PULUMI) schema > $(ARTIFACTS)/pulumi/schema.json
	@command -v pulumi >/dev/null || { echo "pulumi CLI not found: install it, then run: pulumi package gen-sdk $(ARTIFACTS)/pulumi/schema.json --language dotnet --out $(ARTIFACTS)/pulumi/sdk"; exit 1; }
	pulumi package gen-sdk $(ARTIFACTS)/pulumi/schema.json --language dotnet --out $(ARTIFACTS)/pulumi/sdk

clean:
	rm -rf $(ARTIFACTS)
	find . -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +

## convergence: only the convergence suite generated from the schema (part of make test)
convergence: build-dotnet
	VGPU_PROVIDER_BINARY=$(PROVIDER) scripts/run-tests.sh -c $(CONFIG) --no-build --filter "FullyQualifiedName~VgpuIac.Terraform.Tests.Convergence"

## fuzz: the fuzz and property targets with 100000 cases each (make test runs a seeded slice); figures in artifacts/fuzz-report.txt
FUZZ_CASES ?= 100000
fuzz: build-dotnet
	mkdir -p $(ARTIFACTS) && : > $(ARTIFACTS)/fuzz-report.txt
	for p in VgpuIac.Terraform.Tests VgpuIac.Pulumi.Tests VgpuIac.Engine.Tests; do \
	  VGPUIAC_FUZZ_CASES=$(FUZZ_CASES) VGPUIAC_FUZZ_REPORT=$(ARTIFACTS)/fuzz-report.txt \
	    dotnet test tests/$$p -c $(CONFIG) --no-build --filter "FullyQualifiedName~.Fuzz.Fuzz" -v q -nologo || exit 1; \
	done
	cat $(ARTIFACTS)/fuzz-report.txt
