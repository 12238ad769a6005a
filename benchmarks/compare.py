"""fastmlp beside scikit-learn and PyTorch: the side-by-side table of W1-W5.

    python benchmarks/compare.py                      # W1-W5, 5 repeats, predict latency
    python benchmarks/compare.py --startup --memory   # + start-up and peak-memory lines
    python benchmarks/compare.py --quick              # tiny data, 1 repeat (smoke test)

Seconds per epoch are the median of ``--repeats`` timed fits of ``--epochs``
epochs each (default: per workload, see workloads.py), all systems in this one
process, their fits taken in turns (one of each system per round), each
started a quarter of a second after the previous one ended, when the thread pools'
workers have stopped spinning (``workloads.SETTLE_SECONDS``).  Every system is warmed up
outside the timed region; fastmlp's compilation (or loading of cached kernels)
is reported on its own.  GFLOP/s
counts 6 × weights × samples per epoch; "% GEMM" compares that rate with a large
matrix product of the same dtype measured in the same run (the faster of numpy's
``np.dot`` and the BLAS fastmlp calls, MKL when installed).  "speed-up" is the time of
the faster peer (scikit-learn or PyTorch) divided by the row's time.  PyTorch is
skipped, with a note, when it is not installed (``pip install -e ".[torch]"``).
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import timeit

import numpy as np

try:
    from . import workloads as wl
except ImportError:  # run as a script: python benchmarks/compare.py
    import workloads as wl

PEERS = ("sklearn", "torch")
TARGETS = {"W1": 50.0, "W2": 10.0, "W3": 2.0, "W4": 1.2, "W5": 4.0}
QUICK_ROWS = 64


# ------------------------------------------------------------------- machine
def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    return torch


def header_lines(torch) -> list:
    import numba
    import scipy
    import sklearn
    from threadpoolctl import threadpool_info

    import fastmlp

    backend = fastmlp.blas_backend()  # loads MKL when installed, so its pool is listed below
    versions = (f"python {platform.python_version()}, fastmlp {fastmlp.__version__}, numpy {np.__version__}, "
                f"scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, numba {numba.__version__}, "
                + (f"torch {torch.__version__}" if torch else "torch not installed"))
    pools = ", ".join(f"{p['internal_api']} {p.get('version') or ''} ({p['num_threads']} threads"
                      f"{', ' + p['threading_layer'] + ' OpenMP' if p.get('threading_layer') in ('intel', 'gnu') else ''}"
                      f"{', ' + p['prefix'] if p['internal_api'] == 'openmp' else ''})".replace("  ", " ")
                      for p in threadpool_info())
    env = ", ".join(f"{k}={os.environ[k]}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                                     "OMP_NUM_THREADS", "NUMBA_NUM_THREADS")
                    if k in os.environ) or "none set"
    lines = [
        f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- machine: {cpu_model()}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}",
        f"- versions: {versions}",
        f"- fastmlp measured from: {os.path.dirname(fastmlp.__file__)}; its products call "
        f"{backend}'s BLAS",
        f"- thread pools: {pools}" + (f"; torch {torch.get_num_threads()} threads" if torch else ""),
        f"- BLAS/thread environment variables: {env}",
        f"- load average before the run (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}",
    ]
    return lines


def gemm_operands(dtype, n: int):
    rng = np.random.default_rng(0)
    return (rng.standard_normal((n, n)).astype(dtype), rng.standard_normal((n, n)).astype(dtype),
            np.empty((n, n), dtype=dtype))


def gemm_rate(dtype, n: int, repeats: int, product) -> float:
    """FLOP/s of an n × n × n ``product(a, b, out)`` (median of ``repeats``)."""
    a, b, out = gemm_operands(dtype, n)
    product(a, b, out)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        product(a, b, out)
        times.append(time.perf_counter() - start)
    return 2.0 * n ** 3 / statistics.median(times)


def gemm_peaks(n: int, repeats: int) -> tuple[dict, dict, str]:
    """The machine's GEMM rate per dtype: the faster of numpy's ``np.dot`` and
    the product fastmlp's kernels call (MKL when installed); that product per
    dtype; and a line saying so."""
    import fastmlp
    from fastmlp._blas import no_kernels as empty_table
    from fastmlp._linalg import matmul

    backend = fastmlp.blas_backend()
    no_kernels = empty_table(1)  # the BLAS call itself
    products = {"np.dot": lambda a, b, out: np.dot(a, b, out=out),
                f"fastmlp ({backend})": lambda a, b, out: matmul(a, b, out, no_kernels, 0)}
    rates = {name: {dt: gemm_rate(dt, n, repeats, f) for dt in (np.float64, np.float32)}
             for name, f in products.items()}
    dtypes = (np.float64, np.float32)
    fastest = {dt: max(products, key=lambda name: rates[name][dt]) for dt in dtypes}
    peaks = {dt: rates[fastest[dt]][dt] for dt in dtypes}
    measured = "; ".join(f"{name} float64 {r[np.float64] / 1e9:.1f}, float32 {r[np.float32] / 1e9:.1f}"
                         for name, r in rates.items())
    from threadpoolctl import threadpool_limits
    with threadpool_limits(1):  # what a second thread adds: the most any shared work gains here
        one = gemm_rate(np.float64, n, repeats, products[fastest[np.float64]])
    line = (f"- GEMM rate at the start ({n} × {n} × {n}, median, GFLOP/s): {measured}; "
            f"float64 on one thread {one / 1e9:.1f} ({fastest[np.float64]}: all threads "
            f"{peaks[np.float64] / one:.2f}× one). "
            "\"% GEMM peak\" is against the faster product's rate measured again in the same "
            "rounds as each workload's fits (see its note), since the machine's speed drifts")
    return peaks, {dt: products[fastest[dt]] for dt in dtypes}, line


class GemmProbe:
    """n × n × n products once per round of :func:`measure`: the machine's GEMM
    rate under the same conditions as the fits it is compared with.

    Each round times ``flop`` worth of back-to-back products as one window (a
    rate over about a second at n = 2000, as long as a W4 fit): this VM's rate
    swings between single products (39-140 GFLOP/s in five consecutive 2000³
    products, measured), and a fit averages over its whole duration, so one
    product per round would compare a 0.15 s sample with a 1 s average.
    ``rate`` is the median of the rounds' rates.
    """

    def __init__(self, dtype, n: int, product, flop: float = 1e11):
        self.operands, self.product, self.n = gemm_operands(dtype, n), product, n
        self.count = max(1, round(flop / (2.0 * n ** 3)))
        self.product(*self.operands)
        self.rates = []

    def run(self) -> None:
        start = time.perf_counter()
        for _ in range(self.count):
            self.product(*self.operands)
        self.rates.append(self.count * 2.0 * self.n ** 3 / (time.perf_counter() - start))

    @property
    def rate(self) -> float:
        return statistics.median(self.rates)


def cpu_times() -> list:
    """The machine's CPU time counters (/proc/stat's "cpu" line; empty where there is none)."""
    try:
        with open("/proc/stat") as f:
            return [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return []


def stolen_share(before: list, after: list, separator: str = "; ") -> str:
    """The share of CPU time between two :func:`cpu_times` that the hypervisor gave
    to other guests ("steal", the eighth counter), as a note starting with
    ``separator``; empty if unknown."""
    if len(before) < 8 or len(after) < 8:
        return ""
    delta = [b - a for a, b in zip(before, after)]
    return f"{separator}CPU time stolen by the hypervisor meanwhile {100 * delta[7] / max(1, sum(delta[:8])):.1f} %"


def thread_times() -> dict:
    """Each thread of this process by id: (its name, ns on a CPU, ns runnable but
    waiting for one), from /proc/self/task (Linux; empty elsewhere)."""
    times = {}
    try:
        for tid in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{tid}/schedstat") as f:
                running, waiting = f.read().split()[:2]
            with open(f"/proc/self/task/{tid}/comm") as f:
                name = f.read().strip()
            times[int(tid)] = (name, int(running), int(waiting))
    except (OSError, ValueError):
        return {}
    return times


def python_speed_probe() -> float:
    """Seconds of a fixed piece of plain Python (the best of 5): how fast this
    process runs interpreted code, to tell a slow process from slow calls."""
    def work():
        total = 0
        for i in range(20_000):
            total += i & 7
        return total
    return min(timeit.repeat(work, number=1, repeat=5))


def python_speed_by_cpu() -> str:
    """:func:`python_speed_probe` on each CPU in turn (the calling thread pinned
    there for it), in µs: whether one CPU runs the same code slower than another."""
    if not hasattr(os, "sched_getaffinity"):
        return ""
    allowed = os.sched_getaffinity(0)
    speeds = []
    try:
        for cpu in sorted(allowed):
            os.sched_setaffinity(0, {cpu})
            speeds.append(f"CPU {cpu} {python_speed_probe() * 1e6:.0f}")
    finally:
        os.sched_setaffinity(0, allowed)
    return ", ".join(speeds)


def current_cpu() -> str:
    """The CPU the calling thread last ran on (/proc/thread-self/stat's 39th field)."""
    try:
        with open("/proc/thread-self/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[36]
    except (OSError, IndexError):
        return "?"


def where_time_went(call) -> str:
    """Run ``call`` and say where the process's time went meanwhile: wall time, the
    calling thread's CPU time and its time waiting for a CPU, the other threads'
    CPU time (the busiest named), and the hypervisor's steal (empty without /proc)."""
    before, machine, cpu, start = thread_times(), cpu_times(), time.thread_time(), time.perf_counter()
    call()
    wall, cpu = time.perf_counter() - start, time.thread_time() - cpu
    after, machine_after = thread_times(), cpu_times()
    if not before or not after:
        return ""
    me = threading.get_native_id()
    waited = after.get(me, ("", 0, 0))[2] - before.get(me, ("", 0, 0))[2]
    others = sorted(((run - before.get(tid, ("", 0, 0))[1], name) for tid, (name, run, _) in after.items()
                     if tid != me), reverse=True)
    busiest = ", ".join(f"{name} {ns / 1e6:.1f}" for ns, name in others[:3] if ns > 0)
    return (f"wall {wall * 1e3:.1f} ms: this thread's CPU time {cpu * 1e3:.1f} ms "
            f"(on CPU {current_cpu()} at the end), waiting for a CPU {waited / 1e6:.1f} ms; "
            f"the other {len(others)} threads' CPU time {sum(ns for ns, _ in others) / 1e6:.1f} ms"
            + (f" ({busiest})" if busiest else "")
            + stolen_share(machine, machine_after, ", "))


# ------------------------------------------------------------------ training
def trainer(system: str, workload, X, y):
    if system == "torch":
        return wl.TorchTrainer(workload, X, y)
    return wl.EstimatorTrainer(system, workload, X, y)


def measure(entries, epochs: int, repeats: int, probes=(), settle: bool = True) -> list:
    """Median seconds per epoch of ``repeats`` fits per (system, workload, X, y) entry.

    Every entry is warmed up first; then the timed fits go round-robin, one fit
    of each entry per round, so that all entries see the same machine (this
    machine's speed drifts by tens of percent within minutes, and timing one
    system's repeats after the other's would put that drift into the ratios).
    Each of the ``probes`` (:class:`GemmProbe`) runs once per round too.  With
    ``settle``, every timed call starts ``workloads.SETTLE_SECONDS`` after the
    previous one ended (:func:`workloads.settle`).
    """
    trainers, results = [], []
    for system, workload, X, y in entries:
        warm = min(len(X), 512)  # warm-up outside the timed region (kernels, allocator, caches)
        warm_trainer = trainer(system, workload, X[:warm], y[:warm])
        first = warm_trainer.train(1)
        steady = warm_trainer.train(1)
        trainers.append(trainer(system, workload, X, y))
        results.append({"system": system, "runs": [], "warmup_first": first, "warmup_steady": steady})
    for _ in range(repeats):
        for t, r in zip(trainers, results):
            if settle:
                wl.settle()
            r["runs"].append(t.train(epochs) / epochs)
        for probe in probes:
            if settle:
                wl.settle()
            probe.run()
    for t, r in zip(trainers, results):
        r["s_epoch"] = statistics.median(r["runs"])
        r["score"] = t.score()
    return results


def format_row(workload, r: dict, peak: float, speedup: str, target: str) -> str:
    s = r["s_epoch"]
    gflops = workload.flop_per_epoch / s / 1e9
    return (f"| {workload.label} | {r['system']} | {s:.4g} | {workload.n_samples / s:,.0f} | "
            f"{gflops:.2f} | {100 * gflops * 1e9 / peak:.1f} % | {r['score']:.4f} | {speedup} | {target} |")


def run_table(names, args, torch, gemm_products, emit=print) -> None:
    """Emit the training table row by row, then one note line per workload."""
    systems = ["fastmlp", "sklearn"] + (["torch"] if torch else [])
    emit("| workload | system | s/epoch | samples/s | GFLOP/s | % GEMM peak | score | speed-up | target |")
    emit("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    notes = []
    for name in names:
        workload = wl.get(name)
        if args.quick:
            workload = wl.shrink(workload, QUICK_ROWS)
        epochs = args.epochs or workload.epochs
        X, y = wl.make_data(workload)
        entries = [(s, workload, X, y) for s in systems]
        with_float32 = name == "W4" and not args.no_float32
        if with_float32:  # timed in the same rounds as float64, for their ratio
            w32 = wl.get("W4", np.float32)
            if args.quick:
                w32 = wl.shrink(w32, QUICK_ROWS)
            entries.append(("fastmlp", w32, *wl.make_data(w32)))
        n = 128 if args.quick else 2000
        probes = {dt: GemmProbe(dt, n, gemm_products[dt], 1e8 if args.quick else 1e11)
                  for dt in ((np.float64, np.float32) if with_float32 else (np.float64,))}
        times_before = cpu_times()
        measured = measure(entries, epochs, args.repeats, probes.values(), settle=not args.quick)
        stolen = stolen_share(times_before, cpu_times())
        peaks = {dt: probe.rate for dt, probe in probes.items()}
        results = dict(zip(systems, measured))
        best_peer = min(results[p]["s_epoch"] for p in PEERS if p in results)
        for s in systems:
            r = results[s]
            target = f"≥ {TARGETS[name]:g}×" if s == "fastmlp" else ""
            emit(format_row(workload, r, peaks[np.float64], f"{best_peer / r['s_epoch']:.2f}×", target))
        fm = results["fastmlp"]
        notes.append(f"- {workload.label} ({workload.title}: {workload.n_samples:,} × {workload.n_features}, "
                     f"hidden {workload.hidden}, {'%d classes' % workload.n_classes if workload.is_classifier else 'regression'}, "
                     f"batch {workload.batch_size}, {epochs} epoch(s) per fit): fastmlp first fit "
                     f"{fm['warmup_first']:.3f} s vs steady {fm['warmup_steady']:.3f} s on {min(len(X), 512)} rows "
                     f"→ compilation / kernel loading {fm['warmup_first'] - fm['warmup_steady']:.3f} s; "
                     f"score − scikit-learn's: {fm['score'] - results['sklearn']['score']:+.4f}; "
                     f"GEMM rate in the same rounds {peaks[np.float64] / 1e9:.1f} GFLOP/s{stolen}")
        if with_float32:
            r = measured[-1]
            ratio = fm["s_epoch"] / r["s_epoch"]
            emit(format_row(w32, r, peaks[np.float32], f"{ratio:.2f}× vs f64", "≥ 1.7× vs f64"))
            notes.append(f"- {w32.label}: fastmlp compilation / kernel loading "
                         f"{r['warmup_first'] - r['warmup_steady']:.3f} s; % GEMM peak is against the float32 "
                         f"GEMM rate ({peaks[np.float32] / 1e9:.1f} GFLOP/s in the same rounds); "
                         f"score − float64's: {r['score'] - fm['score']:+.4f}")
    emit("")
    for line in notes:
        emit(line)


# ------------------------------------------------------------ predict latency
def predict_lines(quick: bool) -> list:
    workload = wl.get("W2")
    if quick:
        workload = wl.shrink(workload, QUICK_ROWS)
    X, y = wl.make_data(workload)
    rows = X[:1000]
    one = X[:1]
    number, repeat = (20, 3) if quick else (200, 15)
    fit_number, fit_repeat = (5, 3) if quick else (50, 7)
    chunk = X[:32], y[:32]
    lines = ["| system | predict, 1 row [µs] | predict_proba, 1,000 rows [µs] | partial_fit, 32 rows [µs] |",
             "|---|---:|---:|---:|"]

    def median_call(f, number, repeat):
        return statistics.median(timeit.repeat(f, number=number, repeat=repeat)) / number

    def settle():
        if not quick:
            wl.settle()

    def timed_with_census(f, number, repeat):
        settle()
        seconds = []
        spent = where_time_went(lambda: seconds.append(median_call(f, number, repeat)))
        return seconds[0], spent

    census = []
    for module in ("fastmlp", "sklearn"):
        model = wl.fit_quietly(wl.make_estimator(module, workload, 1), X, y)
        model.predict(one), model.predict_proba(rows), model.partial_fit(*chunk)  # warm-up
        t1, spent = timed_with_census(lambda: model.predict(one), number, repeat)
        census.append(f"- during {module}'s one-row timing: {spent}" if spent else "")
        tk, spent = timed_with_census(lambda: model.predict_proba(rows), number, repeat)
        census.append(f"- during {module}'s predict_proba timing: {spent}" if spent else "")
        settle()
        tp = median_call(lambda: model.partial_fit(*chunk), fit_number, fit_repeat)
        lines.append(f"| {module} | {t1 * 1e6:.1f} | {tk * 1e6:.1f} | {tp * 1e6:.1f} |")
        if module == "fastmlp":
            from threadpoolctl import threadpool_limits
            with threadpool_limits(1):
                model.predict_proba(rows)
                settle()
                serial = median_call(lambda: model.predict_proba(rows), number, repeat)
            lines.append(f"| fastmlp, one thread | | {serial * 1e6:.1f} | |")
    lines.append(f"\n(W2 network, {len(rows)} rows for predict_proba; median of {repeat} × {number} calls, "
                 f"of {fit_repeat} × {fit_number} for partial_fit (one minibatch of 32 rows: mostly the "
                 "call's fixed cost); targets: fastmlp ≤ 20 µs and ≤ 100 µs, none for partial_fit; "
                 "\"one thread\": fastmlp with BLAS and its own threads limited to one, for what the "
                 "second thread gains)")
    lines.append(f"- plain Python in this process: {python_speed_probe() * 1e6:.0f} µs for a fixed loop "
                 f"(best of 5; pinned to each CPU in turn: {python_speed_by_cpu() or 'n/a'}; to tell a slow "
                 "process, where all code runs slower, from slow calls)")
    lines.extend(line for line in census if line)
    return lines


# ---------------------------------------------------------------- subprocesses
def run_python(code: str, env_extra=None) -> dict:
    """Run ``code`` in a fresh interpreter that can import this file's modules; parse its JSON."""
    env = dict(os.environ)
    here = os.path.dirname(os.path.abspath(__file__))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    env.update(env_extra or {})
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


IMPORT_CODE = """
import json, time
start = time.perf_counter()
import fastmlp
lazy = time.perf_counter()
import sklearn.base, sklearn.preprocessing, sklearn.utils.validation
dependencies = time.perf_counter()
from fastmlp import MLPClassifier
done = time.perf_counter()
print(json.dumps({"seconds": lazy - start, "sklearn": dependencies - lazy, "estimator": done - lazy}))
"""

FIRST_FIT_CODE = """
import json, time
import workloads as wl
w = wl.shrink(wl.get("W2"), 1000)
X, y = wl.make_data(w)
import fastmlp; fastmlp.MLPClassifier  # imports scikit-learn and numba: not part of the fit
def fit():
    start = time.perf_counter()
    wl.fit_quietly(wl.make_estimator("fastmlp", w, 1), X, y)
    return time.perf_counter() - start
first = fit()
steady = min(fit() for _ in range(3))
print(json.dumps({"first": first, "steady": steady}))
"""

MEMORY_CODE = """
import json
import numpy as np
import workloads as wl
import fastmlp

def status_bytes(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024

def reset_peak():  # Linux: writing 5 to clear_refs resets VmHWM, the peak resident set size
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")

n, d, hidden = {n}, 100, (100,)
w = wl.Workload("M", "memory", 2000, d, hidden, 10, 200, 1, np.float32)
Xs, ys = wl.make_data(w)
wl.fit_quietly(wl.make_estimator("fastmlp", w, 1), Xs, ys)   # load the kernels first
del Xs, ys
reset_peak()
base = status_bytes("VmRSS")
rng = np.random.default_rng(0)
X = np.empty((n, d), dtype=np.float32)
for i in range(0, n, 50_000):                                 # no float64 temporary of X's size
    X[i:i + 50_000] = rng.standard_normal((min(50_000, n - i), d), dtype=np.float32)
y = (X[:, :10] @ rng.standard_normal((10, 10)).astype(np.float32)).argmax(axis=1)
before = status_bytes("VmRSS")
reset_peak()
model = wl.fit_quietly(wl.make_estimator("fastmlp", w, 1), X, y)
after = status_bytes("VmHWM")
model_bytes = sum(c.nbytes for c in model.coefs_) + sum(b.nbytes for b in model.intercepts_)
print(json.dumps({{"base": base, "before": before, "after": after, "x_bytes": X.nbytes + y.nbytes,
                   "model_bytes": model_bytes, "dtype": str(model.coefs_[0].dtype)}}))
"""


def startup_lines() -> list:
    runs = [run_python(IMPORT_CODE) for _ in range(3)]
    imports = [r["seconds"] for r in runs]
    run_python(FIRST_FIT_CODE)  # make sure the cache is warm
    warm = run_python(FIRST_FIT_CODE)
    with tempfile.TemporaryDirectory() as cache:
        cold = run_python(FIRST_FIT_CODE, {"NUMBA_CACHE_DIR": cache})
    return [
        f"- `import fastmlp` in a new process: {statistics.median(imports):.4f} s (median of 3; "
        "the estimators, scikit-learn and numba load on first access; target ≤ 0.5 s); then "
        f"`from fastmlp import MLPClassifier`: {statistics.median(r['estimator'] for r in runs):.3f} s, "
        f"of which importing scikit-learn alone {statistics.median(r['sklearn'] for r in runs):.3f} s",
        f"- first fit in a new process, cached kernels: {warm['first']:.3f} s vs steady {warm['steady']:.3f} s "
        f"→ {warm['first'] - warm['steady']:.3f} s loading (W2 network, 1,000 rows, 1 epoch; target ≤ 1 s)",
        f"- first fit ever (empty NUMBA_CACHE_DIR): {cold['first']:.3f} s vs steady {cold['steady']:.3f} s "
        f"→ {cold['first'] - cold['steady']:.3f} s compiling (target ≤ 20 s)",
    ]


def memory_lines(n: int) -> list:
    m = run_python(MEMORY_CODE.format(n=n))
    extra = m["after"] - m["before"]
    mib = 2.0 ** 20
    budget = 1.5 * (m["x_bytes"] + m["model_bytes"])
    return [
        f"- fit of {n:,} × 100 {m['dtype']}, hidden (100,), 10 classes, batch 200, 1 epoch: peak RSS "
        f"during fit {m['after'] / mib:,.0f} MiB; RSS before the data {m['base'] / mib:,.0f} MiB, with the data "
        f"{m['before'] / mib:,.0f} MiB; X + y = {m['x_bytes'] / mib:,.0f} MiB, model {m['model_bytes'] / mib:.2f} MiB",
        f"- peak RSS − RSS before the data = {(m['after'] - m['base']) / mib:,.0f} MiB "
        f"= {(m['after'] - m['base']) / (m['x_bytes'] + m['model_bytes']):.2f} × (X + y + model) "
        f"(target ≤ 1.5 ×, i.e. {budget / mib:,.0f} MiB); the fit itself added {extra / mib:,.0f} MiB "
        "(VmHWM from /proc/self/status, reset through /proc/self/clear_refs before the fit)",
    ]


# ----------------------------------------------------------------------- main
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workloads", default="W1,W2,W3,W4,W5", help="comma-separated subset of W1..W5")
    p.add_argument("--epochs", type=int, default=0, help="epochs per timed fit (default: per workload)")
    p.add_argument("--repeats", type=int, default=5, help="timed fits per system, in turns (median is reported)")
    p.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS} rows, 1 epoch, 1 repeat: a smoke test")
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    p.add_argument("--no-float32", action="store_true", help="leave out the float32 W4 row")
    p.add_argument("--no-predict", action="store_true", help="leave out the prediction latency")
    p.add_argument("--startup", action="store_true", help="time import, first fit and compilation in new processes")
    p.add_argument("--memory", action="store_true", help="peak memory of a 1,000,000 × 100 float32 fit (new process)")
    p.add_argument("--memory-rows", type=int, default=1_000_000, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.repeats, args.epochs = 1, 1
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    names = [n.strip().upper() for n in args.workloads.split(",") if n.strip()]
    unknown = set(names) - set(wl.WORKLOADS)
    if unknown:
        raise SystemExit(f"unknown workloads {sorted(unknown)}; choose from {sorted(wl.WORKLOADS)}")
    # fastmlp before PyTorch: MKL then runs on Intel's OpenMP runtime, as without
    # PyTorch (imported after it, MKL takes GNU's runtime, which PyTorch loads, and
    # fastmlp's multi-threaded fits cannot share work with MKL's threads; see README)
    import fastmlp
    fastmlp.blas_backend()
    torch = None if args.no_torch else torch_or_none()

    print("# fastmlp vs scikit-learn vs PyTorch\n")
    print("\n".join(header_lines(torch)))
    if torch is None:
        print("- PyTorch: skipped (" + ("--no-torch" if args.no_torch else
              'not installed; pip install -e ".[torch]"') + ")")
    n = 128 if args.quick else 2000
    _, gemm_products, line = gemm_peaks(n, 3 if args.quick else 7)
    print(line)
    print(f"- command: {' '.join([os.path.basename(sys.executable), *sys.argv])}" if argv is None else
          f"- arguments: {' '.join(argv)}")
    print(f"\n## Training (seconds per epoch, median of {args.repeats})\n")
    run_table(names, args, torch, gemm_products)
    if not args.no_predict:
        print("\n## Prediction and partial_fit latency\n")
        print("\n".join(predict_lines(args.quick)))
    if args.startup:
        print("\n## Start-up\n")
        print("\n".join(startup_lines()))
    if args.memory:
        print("\n## Memory\n")
        print("\n".join(memory_lines(QUICK_ROWS * 40 if args.quick else args.memory_rows)))


if __name__ == "__main__":
    main()
