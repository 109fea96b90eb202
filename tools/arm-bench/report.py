#!/usr/bin/env python3
"""Turns the arm-icount outputs of tools/arm-bench/run.sh into per-inference figures: a table (default), JSON records
(--json) or the docs section between <!-- arm:begin --> and <!-- arm:end --> (--write-doc FILE).
Usage: report.py OUTDIR [--json] [--write-doc FILE]"""
import argparse, collections, datetime, glob, json, os, re, subprocess

ENGINES = ['edgeq', 'ort_int8', 'ort_fp32']
ENGINE_TITLES = {'edgeq': 'EdgeQ int8', 'ort_int8': 'ORT int8 (EdgeQ QDQ)', 'ort_fp32': 'ORT fp32'}
BRANCHES = {'b', 'bl', 'br', 'blr', 'ret', 'cbz', 'cbnz', 'tbz', 'tbnz'}


def is_branch(op):
    return op in BRANCHES or op.startswith('b.')


# Instruction classes of the mix: what the int8 kernels are built from, and the overhead around them.
MIX = {
    # QEMU 7's disassembler does not know SDOT and prints '.byte'; decoded from a kept log, 99.95 % of EdgeQ's '.byte'
    # on cortex-a76 were SDOT (by element), the rest LSE atomics.
    'sdot': lambda op: op in ('sdot', '.byte'),
    'smlal': lambda op: op in ('smlal', 'smlal2'),
    'smull': lambda op: op in ('smull', 'smull2'),
    'sadalp': lambda op: op == 'sadalp',
    'loads': lambda op: op.startswith('ld'),
    'stores': lambda op: op.startswith('st'),
    'branches': is_branch,
}
LINE = re.compile(r'^\s+(\S+)\s+([\d,]+)\s')
MEASURED_BEGIN, MEASURED_END = '<!-- arm:measured:begin -->', '<!-- arm:measured:end -->'
TOTAL = re.compile(r'guest instructions ([\d,]+)')


def read_count(path):
    """Total guest instructions and the per-mnemonic counts of one arm-icount output."""
    with open(path) as f:
        text = f.read()
    mnemonics = collections.Counter()
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            mnemonics[m.group(1)] += int(m.group(2).replace(',', ''))
    return int(TOTAL.search(text).group(1).replace(',', '')), mnemonics


def per_inference(counts, model, core, engine):
    """(instructions, mix) of one inference = (3 runs - 1 run) / 2, or None when the engine was not run."""
    paths = [os.path.join(counts, f'{model}.{core}.{engine}.{runs}.txt') for runs in (1, 3)]
    if not all(os.path.exists(p) for p in paths):
        return None
    (total1, mix1), (total3, mix3) = read_count(paths[0]), read_count(paths[1])
    mnemonics = {op: (mix3[op] - mix1[op]) / 2 for op in mix3}
    mix = {name: round(sum(n for op, n in mnemonics.items() if test(op))) for name, test in MIX.items()}
    return round((total3 - total1) / 2), mix


def collect(outdir):
    counts = os.path.join(outdir, 'counts')
    cores = sorted({name.split('.')[-4] for name in os.listdir(counts)})
    records = []
    with open(os.path.join(outdir, 'models.tsv')) as f:
        for line in f:
            model, _onnx, _eqm, _input, macs = line.rstrip('\n').split('\t')
            for core in cores:
                figures = {engine: per_inference(counts, model, core, engine) for engine in ENGINES}
                record = {'model': model, 'core': f'cortex-{core}', 'macs': int(macs)}
                for engine in ENGINES:
                    record[f'{engine}_instructions'] = figures[engine][0] if figures[engine] else None
                    record[f'{engine}_mix'] = figures[engine][1] if figures[engine] else None
                    split = os.path.join(counts, f'{model}.{core}.{engine}.functions.json')
                    if os.path.exists(split):
                        with open(split) as f:
                            record[f'{engine}_families'] = json.load(f)['families']
                layers = os.path.join(counts, f'{model}.{core}.edgeq.layers.json')
                if os.path.exists(layers):
                    with open(layers) as f:
                        record['edgeq_layers'] = json.load(f)
                records.append(record)
    return records


def millions(n):
    return 'n/a' if n is None else f'{n / 1e6:.1f} M'


def ratio(a, b):
    return 'n/a' if a is None or b is None else f'{a / b:.2f}x'


def markdown(records):
    rows = ['| model | core | EdgeQ int8 | ORT int8 (EdgeQ QDQ) | ORT fp32 | EdgeQ / ORT int8 | EdgeQ / ORT fp32 | EdgeQ MACs per instruction |',
            '|---|---|---:|---:|---:|---:|---:|---:|']
    for r in records:
        e, i8, f32 = r['edgeq_instructions'], r['ort_int8_instructions'], r['ort_fp32_instructions']
        macs_per = 'n/a' if e is None else f"{r['macs'] / e:.2f}"
        rows.append(f"| {r['model']} | {r['core']} | {millions(e)} | {millions(i8)} | {millions(f32)} | {ratio(e, i8)} | {ratio(e, f32)} | {macs_per} |")
    rows += ['', 'Instruction mix per inference (M instructions; sdot = what QEMU prints as `.byte`, which was SDOT in 99.95 % of EdgeQ\'s cases (LSE atomics otherwise); loads = ld*, stores = st*, branches = b, b.cond, bl, br, blr, ret, cbz/cbnz, tbz/tbnz):', '',
             '| model | core | engine | total | ' + ' | '.join(MIX) + ' |',
             '|---|---|---|---:|' + '---:|' * len(MIX)]
    for r in records:
        for engine in ENGINES:
            mix = r[f'{engine}_mix']
            if mix is None:
                continue
            cells = ' | '.join(f'{mix[name] / 1e6:.2f}' for name in MIX)
            rows.append(f"| {r['model']} | {r['core']} | {ENGINE_TITLES[engine]} | {r[f'{engine}_instructions'] / 1e6:.2f} | {cells} |")
    split = [(r, engine) for r in records for engine in ENGINES if f'{engine}_families' in r]
    if split:
        rows += ['', 'Per kernel family (M instructions per inference, `run.sh --functions`, `tools/arm-bench/functions.py`): '
                 'EdgeQ\'s families come from its symbol names; ONNX Runtime\'s library is stripped, so its functions are '
                 'cut at their .eh_frame ranges (code without unwind info, MLAS\'s assembly, by the gap it sits in: there '
                 'GEMM and depthwise kernels fall together) and a family marked ~ is guessed from the instruction mix (~gemm: SDOT or '
                 'SADALP, ~depthwise: SMULL/SMLAL without SADALP, ~requantize: float conversions and saturating narrows, '
                 '~copy: mostly loads and stores); ? is code outside the named binary (libc, the loader, the harness).', '',
                 '| model | core | engine | per family |', '|---|---|---|---|']
        for r, engine in split:
            families = ', '.join(f'{name} {n / 1e6:.2f}' for name, n in r[f'{engine}_families'].items() if n >= 5e3)
            rows.append(f"| {r['model']} | {r['core']} | {ENGINE_TITLES[engine]} | {families} |")
    for model in dict.fromkeys(r['model'] for r in records):
        split = [r for r in records if r['model'] == model and 'edgeq_layers' in r]
        if split:
            rows += ['', *layer_table(model, split)]
    return '\n'.join(rows)


def layer_table(model, records):
    """EdgeQ's inference of one model per layer (`run.sh --layers`, layers.py), one column group per core: M
    instructions, MACs per instruction, and the M instructions of the MAC kernels' multiply-adds, of the
    requantization, and of loads and stores."""
    cores = [r['core'] for r in records]
    rows = [f'EdgeQ per layer, **{model}** (`run.sh --layers`, `tools/arm-bench/layers.py`: M instructions per inference; '
            'mac = SDOT, SMULL, SMLAL, SADALP, SADDLP, SADDW; requantize = SCVTF, FMUL, FCVTNS, SQXTN, SQADD, SMAX, SMIN; '
            'memory = loads and stores):', '',
            '| # | op | output | MACs | ' + ' | '.join(f'{c} total | {c} MACs / instr | {c} mac / requantize / memory' for c in cores) + ' |',
            '|---:|---|---|---:|' + '---:|---:|---:|' * len(cores)]
    for i, layer in enumerate(records[0]['edgeq_layers']):
        cells = []
        for r in records:
            l = r['edgeq_layers'][i]
            n, k = l['instructions'], l['classes']
            per = f"{l['macs'] / n:.2f}" if l['macs'] and n else ''
            cells.append(f"{n / 1e6:.3f} | {per} | {k['mac'] / 1e6:.2f} / {k['requantize'] / 1e6:.2f} / {(k['loads'] + k['stores']) / 1e6:.2f}")
        rows.append(f"| {layer['index']} | {layer['op']} | {layer['output']} | {layer['macs']:,} | " + ' | '.join(cells) + ' |')
    return rows


def write_doc(path, records, counted):
    """Replaces the measured block inside this tool's section of the file, or appends the section at the end."""
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()
    when = datetime.datetime.fromtimestamp(max(os.path.getmtime(c) for c in counted), datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    measured = (f'{MEASURED_BEGIN}\nCounted by `tools/arm-bench/run.sh` (newest count {when}, tools at commit {commit}): '
                'ARM64 instructions per inference, one thread, QEMU user mode, ONNX Runtime 1.31.1 linux-arm64.\n\n'
                + markdown(records) + f'\n{MEASURED_END}')
    with open(path) as f:
        text = f.read()
    begin, end = text.find(MEASURED_BEGIN), text.find(MEASURED_END)
    if begin >= 0 and end > begin:
        text = text[:begin] + measured + text[end + len(MEASURED_END):]
    else:
        text = text.rstrip('\n') + f'\n\n<!-- arm:begin -->\n## ARM64: instructions per inference under QEMU\n\n{measured}\n<!-- arm:end -->\n'
    partial = path + '.partial'
    with open(partial, 'w') as f:
        f.write(text)
    os.replace(partial, path)


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('outdir'); ap.add_argument('--json', action='store_true'); ap.add_argument('--write-doc')
    args = ap.parse_args()
    records = collect(args.outdir)
    print(json.dumps(records, indent=2) if args.json else markdown(records))
    if args.write_doc:
        write_doc(args.write_doc, records, glob.glob(os.path.join(args.outdir, 'counts', '*.txt')))
