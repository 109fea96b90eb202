#!/usr/bin/env python3
"""Splits EdgeQ's ARM64 instructions by layer, from one QEMU log kept by `arm-icount --keep` of
`edgeq-run run MODEL.eqm --repeat R --threads 1` (R >= 2).
Usage: layers.py LOG --module edgeq-run --info INFO.txt [--json]
INFO.txt is what `edgeq-run info MODEL.eqm` prints (its op table names the layers; Reshapes run nothing). The log is read in execution
order: with one thread every op is one chunk, run from Executor.Run's loop through Executor's IParallelJob.Execute,
so each stretch of blocks from there to the next block of Executor.Run is one op; the first run is left out (first-touch work), the others averaged.
Per layer: instructions, MACs per instruction, the instruction classes below and the two functions that ran most
of it."""
import argparse, collections, json, re

from functions import Module, trace

# What a layer's instructions do: the multiplies and the widening adds of the MAC kernels (SDOT prints as '.byte' in
# QEMU 7), the requantization to int8 (float conversion, scaling, saturating narrows, zero point and clamp), memory.
CLASSES = {
    'mac': lambda op: op in ('.byte', 'sdot', 'smull', 'smull2', 'smlal', 'smlal2', 'sadalp', 'saddlp', 'saddw', 'saddw2'),
    'requantize': lambda op: op in ('scvtf', 'fmul', 'fcvtns', 'sqxtn', 'sqxtn2', 'sqadd', 'smax', 'smin'),
    'loads': lambda op: op.startswith('ld'),
    'stores': lambda op: op.startswith('st'),
}


def classify(block):
    """Instructions of one translated block per class ('other' for the rest)."""
    counts = collections.Counter()
    for _address, _word, op in block:
        counts[next((name for name, test in CLASSES.items() if test(op)), 'other')] += 1
    return counts

OP_ROW = re.compile(r'^(\d+)\s+(\S+)\s+(\S+)\s+(\[[^\]]*\])\s+(\[[^\]]*\])\s+([\d,]+)\s*$')


def read_ops(path):
    with open(path) as f:
        return [{'index': int(m.group(1)), 'op': m.group(2), 'name': m.group(3), 'input': m.group(4),
                 'output': m.group(5), 'macs': int(m.group(6).replace(',', ''))}
                for m in (OP_ROW.match(line) for line in f) if m]


def op_stretches(log, module):
    """Per op call in execution order: (instructions per function, instructions per class)."""
    blocks, classes, waiting = {}, {}, []
    stretches, stretch = [], None

    def step(address):
        nonlocal stretch
        name = module.function(address) or '?'
        if '_Execution_Executor__Run' in name:
            stretch = None
        elif stretch is None and 'IParallelJob_Execute' in name:
            stretch = (collections.Counter(), collections.Counter())
            stretches.append(stretch)
        if stretch is not None:
            block = blocks.get(address, ())
            stretch[0][name] += len(block)
            if address not in classes:
                classes[address] = classify(block)
            stretch[1].update(classes[address])

    for address in trace(log, blocks):
        if module.base is None:
            # The load address comes from the blocks of the first million runs (start-up and model loading); those
            # runs are replayed once it is known.
            waiting.append(address)
            if len(waiting) < 1_000_000:
                continue
            module.find_base(blocks)
            if module.base is None:
                continue
            for early in waiting:
                step(early)
            waiting = None
            continue
        step(address)
    if module.base is None:
        module.find_base(blocks)
        if module.base is None:
            raise SystemExit(f'layers.py: {log} does not run {module.path}')
        for early in waiting:
            step(early)
    return stretches


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('log'); ap.add_argument('--module', required=True); ap.add_argument('--info', required=True)
    ap.add_argument('--json', action='store_true')
    args = ap.parse_args()
    ops = [op for op in read_ops(args.info) if op['op'] != 'Reshape']  # a Reshape is no plan op: its tensor is an alias
    if not ops:
        raise SystemExit(f'layers.py: no op table in {args.info}')
    stretches = op_stretches(args.log, Module(args.module))
    runs = len(stretches) // len(ops)
    if runs < 2 or len(stretches) % len(ops):
        raise SystemExit(f'layers.py: {len(stretches)} op calls in the log, not a multiple (>= 2) of the model\'s {len(ops)} ops')
    rows = []
    for i, op in enumerate(ops):
        functions, classes = collections.Counter(), collections.Counter()
        for run in range(1, runs):
            functions.update(stretches[run * len(ops) + i][0])
            classes.update(stretches[run * len(ops) + i][1])
        instructions = sum(functions.values()) / (runs - 1)
        top = [(name, n / (runs - 1)) for name, n in functions.most_common(2)]
        rows.append(dict(op, instructions=round(instructions),
                         classes={name: round(classes[name] / (runs - 1)) for name in [*CLASSES, 'other']},
                         top=[{'name': short(n), 'instructions': round(v)} for n, v in top]))
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    total = sum(r['instructions'] for r in rows)
    print(f'{total / 1e6:.2f} M instructions per inference in {len(ops)} ops (runs 2-{runs} of the log averaged)\n')
    print('| # | op | output | MACs | M instructions | share | MACs / instr | ' + ' | '.join(rows[0]['classes']) + ' | most of it in |')
    print('|---:|---|---|---:|---:|---:|---:|' + '---:|' * len(rows[0]['classes']) + '---|')
    for r in rows:
        per = f"{r['macs'] / r['instructions']:.2f}" if r['macs'] and r['instructions'] else ''
        where = ', '.join(f"{t['name']} {t['instructions'] / 1e6:.2f}" for t in r['top'])
        classes = ' | '.join(f'{n / 1e6:.3f}' for n in r['classes'].values())
        print(f"| {r['index']} | {r['op']} | {r['output']} | {r['macs']:,} | {r['instructions'] / 1e6:.3f} | "
              f"{100 * r['instructions'] / total:.1f} % | {per} | {classes} | {where} |")


def short(symbol):
    """A NativeAOT symbol without its namespace prefix: EdgeQ_Runtime_EdgeQ_Runtime_Kernels_Conv__Run -> Conv__Run."""
    return re.sub(r'^.*?_Kernels_|^.*?_Execution_', '', symbol)[:60]


if __name__ == '__main__':
    main()
