#!/usr/bin/env bash
# The typed-models sweep: every public Replicate model through the source generator, all generated code in one
# compilation. The npm package all-the-public-replicate-models@1.352.0 holds 3,808 model objects exactly as
# GET /models/{owner}/{name} returns them (latest_version.openapi_schema included); eng/TypedModelsSweep feeds each to
# the generator as a ReplicateModel item of its own, compiles everything generated with nullable on, XML docs checked and
# warnings as errors, and reports skipped models, generator exceptions, models whose code does not compile, the RPL005-7
# counts and the times. Opt-in: needs npm; not part of `dotnet test`.
#
# Usage: bash eng/typed-models-sweep.sh      (SWEEP_MIN_PERCENT=99.5 by default: the share of the models that generate
#                                             code which must compile with no error)
# Output: the report on stdout and in eng/.sweep/report/ (summary.txt, failures.txt, failed/ with each failing model's
#         schema and generated code). Last line: "N passed, M failed" (models).
# Exit code: 0 when the generator never threw and enough models compile, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

package=all-the-public-replicate-models@1.352.0
sweep_dir=$root/eng/.sweep                                   # gitignored
models=$sweep_dir/models.json
bin=$root/artifacts/typed-models-sweep/bin

for tool in npm tar dotnet; do
  command -v "$tool" >/dev/null 2>&1 || { echo "typed-models-sweep: '$tool' is required" >&2; exit 1; }
done

if [[ ! -s $models ]]; then
  echo "typed-models-sweep: fetching $package"
  mkdir -p "$sweep_dir"
  rm -f "$sweep_dir"/all-the-public-replicate-models-*.tgz
  timeout 300 npm pack "$package" --pack-destination "$sweep_dir" --ignore-scripts --silent >/dev/null
  tarball=$(ls "$sweep_dir"/all-the-public-replicate-models-*.tgz)
  timeout 120 tar -xzf "$tarball" -C "$sweep_dir" package/models.json
  mv "$sweep_dir/package/models.json" "$models"
  rmdir "$sweep_dir/package"
fi

echo "typed-models-sweep: building eng/TypedModelsSweep"
mkdir -p "$root/artifacts/typed-models-sweep"
timeout 600 dotnet build "$root/eng/TypedModelsSweep/TypedModelsSweep.csproj" -c Release -nologo -v quiet -o "$bin" \
  >"$root/artifacts/typed-models-sweep/build.log" 2>&1 \
  || { cat "$root/artifacts/typed-models-sweep/build.log"; echo "typed-models-sweep: build failed" >&2; exit 1; }

# 20 minutes at most: the generator and the compile take a few minutes on 2 cores.
timeout 1200 dotnet "$bin/TypedModelsSweep.dll" "$models" "$sweep_dir/report"
