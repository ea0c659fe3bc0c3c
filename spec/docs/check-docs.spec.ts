/**
 * scripts/check-docs.mjs (npm run check:docs) on small trees of pages written here:
 * parity between an English page and its Korean twin (sections, code, table rows, the
 * language switch), links and anchors. The type-checking of code blocks runs in CI on
 * the real docs (it needs dist/).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'check-docs.mjs');
const fence = '```';

const EN = `# Guide

**English** | [한국어](ko/guide.md)

- [Sending](#sending)

## Sending

${fence}ts
// send one message
client.send({ receiver: 'display-01', command: 'show' });
${fence}

| Option | Default |
| --- | --- |
| \`sendTimeout\` | \`15000\` ms |

### Timeouts

See [the protocol](protocol.md#the-socket).
`;

const KO = `# 가이드

[English](../guide.md) | **한국어**

- [전송](#sending)

## <a id="sending"></a>전송

${fence}ts
// 메시지 하나 보내기
client.send({
  receiver: 'display-01',
  command: 'show',
});
${fence}

| 옵션 | 기본값 |
| --- | --- |
| \`sendTimeout\` | \`15000\` ms |

### <a id="timeouts"></a>타임아웃

[프로토콜](protocol.md#the-socket) 참고.
`;

const PROTOCOL_EN = '# Protocol\n\n**English** | [한국어](ko/protocol.md)\n\n## The socket\n\nText.\n';
const PROTOCOL_KO = '# 프로토콜\n\n[English](../protocol.md) | **한국어**\n\n## <a id="the-socket"></a>소켓\n\n본문.\n';

/** Writes the pages into a fresh folder, runs the check on it, returns its exit code and problems. */
function check(pages: Record<string, string>): { code: number; problems: string[] } {
  const root = mkdtempSync(join(tmpdir(), 'check-docs-'));
  try {
    for (const [path, text] of Object.entries(pages)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    try {
      execFileSync(process.execPath, [SCRIPT, '--no-types', '--root', root], { encoding: 'utf8', stdio: 'pipe' });
      return { code: 0, problems: [] };
    } catch (e) {
      const { status, stderr } = e as { status: number; stderr: string };
      return {
        code: status,
        problems: stderr
          .split('\n')
          .filter((l) => l.startsWith('  '))
          .map((l) => l.trim()),
      };
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const base = { 'docs/guide.md': EN, 'docs/ko/guide.md': KO, 'docs/protocol.md': PROTOCOL_EN, 'docs/ko/protocol.md': PROTOCOL_KO };

describe('check-docs', () => {
  it('passes twins with the same sections, code (comments and formatting aside) and table rows', () => {
    expect(check(base)).toEqual({ code: 0, problems: [] });
  });

  it('names a missing Korean twin', () => {
    const { 'docs/ko/protocol.md': _, ...pages } = base;
    expect(check(pages).problems).toContain('docs/ko/protocol.md: missing: the Korean twin of docs/protocol.md does not exist');
  });

  it('names a section the Korean page lacks, and a Korean heading without the English id', () => {
    const en = EN.replace('### Timeouts', '## Delivery guarantees\n\nText.\n\n### Timeouts');
    const ko = KO.replace('### <a id="timeouts"></a>타임아웃', '### 타임아웃');
    const { problems } = check({ ...base, 'docs/guide.md': en, 'docs/ko/guide.md': ko });
    expect(problems).toEqual(
      expect.arrayContaining([
        "docs/ko/guide.md: section 'delivery-guarantees' (h2, docs/guide.md:18 'Delivery guarantees') missing",
        'docs/ko/guide.md: line 21: heading \'타임아웃\' has no <a id="…"></a>: give it the English section\'s id, <a id="timeouts"></a> (docs/guide.md:22)',
      ]),
    );
    expect(problems).toHaveLength(2);
  });

  it('names a code block that differs in code, with the first difference', () => {
    const { problems } = check({ ...base, 'docs/ko/guide.md': KO.replace("command: 'show'", "command: 'hide'") });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^docs\/ko\/guide\.md: code block 1 \(line 9, section 'sending'\) differs from docs\/guide\.md code block 1 \(line 9\): English .*'show'.* vs Korean .*'hide'/,
    );
  });

  it('names a code block missing on one side, and a fragment marker on one side only', () => {
    const en = EN.replace('| Option', `${fence}ts\nconst x = 1;\n${fence}\n\n| Option`);
    expect(check({ ...base, 'docs/guide.md': en }).problems).toEqual([
      "docs/ko/guide.md: code block missing: docs/guide.md code block 2 (ts, line 14, section 'sending') has no Korean counterpart",
    ]);
    const fragment = KO.replace(`\n${fence}ts`, `\n<!-- fragment -->\n${fence}ts`);
    expect(check({ ...base, 'docs/ko/guide.md': fragment }).problems).toEqual([
      expect.stringMatching(/code block 1 .* differs .*: fragment marker on one side only$/),
    ]);
  });

  it('names a table row (an option) missing in Korean', () => {
    const en = EN.replace('| `sendTimeout`', '| `socketAck` | `true` |\n| `sendTimeout`');
    expect(check({ ...base, 'docs/guide.md': en }).problems).toEqual(["docs/ko/guide.md: section 'sending': table row `socketAck` (docs/guide.md:16) missing"]);
  });

  it('names broken links, unknown anchors, a missing language switch and links across languages', () => {
    const ko = KO.replace('[English](../guide.md) | **한국어**', '**한국어**')
      .replace('protocol.md#the-socket', 'protocol.md#no-such')
      .replace('[전송](#sending)', '[전송](#sending) [x](../protocol.md) [y](nowhere.md)');
    const { problems } = check({ ...base, 'docs/ko/guide.md': ko });
    expect(problems).toEqual(
      expect.arrayContaining([
        'docs/ko/guide.md: no link to docs/guide.md in the first lines (the language switch)',
        "docs/ko/guide.md: line 23: link 'protocol.md#no-such': no heading or <a id> 'no-such' in docs/ko/protocol.md",
        "docs/ko/guide.md: line 5: link '../protocol.md' goes to the English docs/protocol.md; link the Korean docs/ko/protocol.md",
        "docs/ko/guide.md: line 5: broken link 'nowhere.md': docs/ko/nowhere.md does not exist",
      ]),
    );
  });

  it('does not ask a generated page for a Korean twin', () => {
    const generated = '# Benchmarks\n\n<!-- Generated by `npm run bench` -->\n\n## Targets\n';
    expect(check({ ...base, 'docs/benchmarks.md': generated })).toEqual({ code: 0, problems: [] });
  });
});
