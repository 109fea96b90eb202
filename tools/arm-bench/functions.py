#!/usr/bin/env python3
"""Splits one inference's ARM64 instructions by function and by kernel family, from two QEMU logs kept by
`arm-icount --keep` (1 and 3 runs of the same command): per inference = (3-run count - 1-run count) / 2.
Usage: functions.py LOG1 LOG3 --module ELF [--module ELF]... [--top 25] [--json]
Each --module is an ELF whose code ran (edgeq-run, libonnxruntime.so). Its load address is found by matching the
instruction words in the log against the file; its functions come from its symbol table or that of ELF.dbg beside it
(NativeAOT's edgeq-run.dbg), otherwise from the .eh_frame ranges (ONNX Runtime's stripped library). Families come from EdgeQ's
symbol names, or for nameless functions from their instruction mix (marked '~')."""
import argparse, bisect, collections, json, os, re, struct, subprocess

from report import is_branch

# EdgeQ kernel families by symbol name (NativeAOT mangles namespaces and generic arguments into the name).
NAMED_FAMILIES = [
    ('depthwise', re.compile(r'Depthwise|Window__Taps')),  # Window.Taps: the depthwise driver's tap addresses
    ('im2col', re.compile(r'Im2Col|Kernels_Conv__')),
    ('gemm', re.compile(r'Gemm')),
    ('pooling', re.compile(r'Pool')),
    ('requantize', re.compile(r'Requantiz')),
    ('copy', re.compile(r'Memmove|memmove|memcpy|memset|Buffer_')),
]
TRACE = re.compile(r'Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/')
WORD = re.compile(r'^0x([0-9a-f]+):\s+([0-9a-f]{8})\s+(\S+)')


def trace(path, blocks):
    """Reads a QEMU log in order: adds each translated block to blocks (start -> [(address, word, mnemonic)]) and
    yields the start address of every block run."""
    current = None
    with open(path, errors='replace') as f:
        for line in f:
            if line.startswith('Trace '):
                m = TRACE.match(line)
                if m:  # else a line cut short at the end of the log
                    yield int(m.group(1), 16)
                current = None
            elif line.startswith('IN:'):
                current = []
            elif current is not None:
                m = WORD.match(line)
                if m:
                    if not current:
                        blocks[int(m.group(1), 16)] = current
                    current.append((int(m.group(1), 16), int(m.group(2), 16), m.group(3)))
                elif line.startswith('---'):
                    current = None


def read_log(path):
    """Every translated block (start -> [(address, word, mnemonic)]) and how often each block start ran."""
    blocks = {}
    runs = collections.Counter(trace(path, blocks))
    return blocks, runs


class Module:
    """An ELF's executable segments and function ranges."""

    def __init__(self, path):
        self.path = path
        with open(path, 'rb') as f:
            self.data = f.read()
        self.segments = []  # (vaddr, file offset, size) of executable PT_LOADs
        for line in subprocess.run(['aarch64-linux-gnu-readelf', '-lW', path], capture_output=True, text=True, check=True).stdout.splitlines():
            fields = line.split()
            if fields[:1] == ['LOAD'] and 'E' in fields[6:-1]:
                self.segments.append((int(fields[2], 16), int(fields[1], 16), int(fields[4], 16)))
        self.functions = self._symbols() or self._frames()
        self.starts = [start for start, _end, _name in self.functions]
        self.base = None

    def _symbols(self):
        nm = lambda path: subprocess.run(['aarch64-linux-gnu-nm', '-n', '--defined-only', path], capture_output=True, text=True).stdout
        out = nm(self.path) or (nm(self.path + '.dbg') if os.path.exists(self.path + '.dbg') else '')
        symbols = [(int(f[0], 16), f[2]) for f in (l.split() for l in out.splitlines()) if len(f) == 3 and f[1] in 'tT']
        return [(start, symbols[i + 1][0] if i + 1 < len(symbols) else start + 4, name) for i, (start, name) in enumerate(symbols)]

    def _frames(self):
        out = subprocess.run(['aarch64-linux-gnu-readelf', '--debug-dump=frames', self.path], capture_output=True, text=True).stdout
        ranges = sorted({(int(a, 16), int(b, 16)) for a, b in re.findall(r'pc=([0-9a-f]+)\.\.([0-9a-f]+)', out)})
        return [(start, end, f'{os.path.basename(self.path)}+0x{start:x}') for start, end in ranges]

    def word(self, vaddr):
        for start, offset, size in self.segments:
            if start <= vaddr < start + size - 3:
                return struct.unpack_from('<I', self.data, offset + vaddr - start)[0]
        return None

    def find_base(self, blocks):
        """The load address at which most executed blocks' words equal the file's (bases are page aligned)."""
        wanted = collections.defaultdict(list)  # (page offset, first two words) -> block addresses
        for address, block in blocks.items():
            if len(block) >= 3:
                wanted[(address & 0xfff, block[0][1], block[1][1])].append(address)
        votes = collections.Counter()
        for start, offset, size in self.segments:
            words = struct.unpack_from(f'<{size // 4}I', self.data, offset)
            for i in range(len(words) - 1):
                vaddr = start + 4 * i
                for address in wanted.get((vaddr & 0xfff, words[i], words[i + 1]), ()):
                    votes[address - vaddr] += 1
        if votes:
            self.base = votes.most_common(1)[0][0]

    def function(self, address):
        """The name of the function holding a run-time address, or None outside the module's code. Code between
        known functions (hand-written assembly without unwind info, as ONNX Runtime's MLAS kernels) is named by
        where its gap starts."""
        if self.base is None:
            return None
        vaddr = address - self.base
        if not any(start <= vaddr < start + size for start, _offset, size in self.segments):
            return None
        i = bisect.bisect_right(self.starts, vaddr) - 1
        if i >= 0 and vaddr < self.functions[i][1]:
            return self.functions[i][2]
        gap = self.functions[i][1] if i >= 0 else self.segments[0][0]
        return f'{os.path.basename(self.path)}+0x{gap:x} (no unwind info)'


def per_function(log, modules):
    """Instructions and mnemonic counts per function (unknown code grouped as '?') of one log."""
    blocks, runs = read_log(log)
    for module in modules:
        if module.base is None:
            module.find_base(blocks)
    counts = collections.defaultdict(collections.Counter)
    for address, n in runs.items():
        block = blocks.get(address)
        if block is None:
            continue
        name = next((f for f in (m.function(address) for m in modules) if f), '?')
        for _address, _word, mnemonic in block:
            counts[name][mnemonic] += n
    return counts


def family(name, mix):
    if name == '?':
        return '?'
    for title, pattern in NAMED_FAMILIES:
        if pattern.search(name):
            return title
    if '+0x' not in name:
        return 'other'
    # Nameless (stripped) code: guessed from what it executes.
    total = sum(mix.values()) or 1
    share = lambda *ops: sum(mix[op] for op in ops) / total
    if share('.byte', 'sdot') > 0.05 or share('sadalp') > 0.05:
        return '~gemm'
    if share('smlal', 'smlal2', 'smull', 'smull2') > 0.05:
        return '~depthwise'
    if share('fcvtns', 'scvtf', 'sqxtn', 'sqxtn2', 'sqxtun', 'fcvtas') > 0.05:
        return '~requantize'
    if share(*(op for op in mix if op.startswith(('ld', 'st')))) > 0.4:
        return '~copy'
    return '~other'


def summary(mix):
    """The four most executed mnemonics with their share, e.g. 'smull 22% ldr 12% ...'."""
    total = sum(mix.values()) or 1
    return ' '.join(f'{op} {100 * n / total:.0f}%' for op, n in mix.most_common(4))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('log1'); ap.add_argument('log3')
    ap.add_argument('--module', action='append', required=True); ap.add_argument('--top', type=int, default=25)
    ap.add_argument('--json', action='store_true', help='one record: instructions per family and per top function')
    args = ap.parse_args()
    modules = [Module(path) for path in args.module]
    one, three = per_function(args.log1, modules), per_function(args.log3, modules)
    inference = {name: collections.Counter({op: (three[name][op] - one[name][op]) / 2 for op in three[name]}) for name in three}
    totals = {name: sum(mix.values()) for name, mix in inference.items()}
    grand = sum(totals.values()) or 1
    families = collections.defaultdict(collections.Counter)
    for name, mix in inference.items():
        families[family(name, mix)].update(mix)
    if args.json:
        top = sorted(totals, key=lambda k: -totals[k])[:args.top]
        print(json.dumps({'instructions': round(grand),
                          'families': {t: round(sum(m.values())) for t, m in sorted(families.items(), key=lambda kv: -sum(kv[1].values()))},
                          'functions': [{'name': n, 'family': family(n, inference[n]), 'instructions': round(totals[n]),
                                         'mix': summary(inference[n])} for n in top]}, indent=1))
        return
    print(f'per inference: {grand / 1e6:.2f} M instructions ({", ".join(f"{m.path} at 0x{m.base or 0:x}" for m in modules)})')
    print(f'\n| family | M instructions | share | branches | top mnemonics |\n|---|---:|---:|---:|---|')
    for title, mix in sorted(families.items(), key=lambda kv: -sum(kv[1].values())):
        n = sum(mix.values())
        branches = sum(v for op, v in mix.items() if is_branch(op))
        print(f'| {title} | {n / 1e6:.2f} | {100 * n / grand:.1f} % | {branches / 1e6:.2f} | {summary(mix)} |')
    print(f'\n| function | family | M instructions | top mnemonics |\n|---|---|---:|---|')
    for name in sorted(totals, key=lambda k: -totals[k])[:args.top]:
        print(f'| `{name[:90]}` | {family(name, inference[name])} | {totals[name] / 1e6:.3f} | {summary(inference[name])} |')


if __name__ == '__main__':
    main()
