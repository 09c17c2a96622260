import { describe, expect, test } from 'vitest';
import { progressView } from '../src/demo/progress.js';
import { RequestStats } from '../src/workload/stats.js';

/** A stderr stand-in that keeps what is written. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: () => string } {
  let text = '';
  const stream = { isTTY, columns: 200, write: (chunk: string) => ((text += chunk), true), on: () => stream } as unknown as NodeJS.WriteStream;
  return { stream, written: () => text };
}

describe("the demo's progress", () => {
  test('elsewhere than a terminal: one line per step, and a step\'s counts print no line', () => {
    const { stream, written } = fakeStream(false);
    const view = progressView(new RequestStats(), stream);
    view.note('creating 25,000 users');
    for (const n of ['5,000', '10,000', '25,000']) view.progress(`${n}/25,000 users`);
    view.note('creating 2,500 products');
    view.close();
    expect(written().split('\n').map((l) => l.replace(/^\[[^\]]*\] /, ''))).toEqual(['creating 25,000 users', 'creating 2,500 products', '']);
  });

  test('on a terminal: the status line shows how far the step is', () => {
    const { stream, written } = fakeStream(true);
    const view = progressView(new RequestStats(), stream);
    view.note('creating 25,000 users');
    view.progress('10,000/25,000 users');
    view.close();
    expect(written()).toMatch(/\r\x1b\[K\[ *[\d.]+s\] setup \(10,000\/25,000 users\) \| 0 req\/s, 0 failed so far/);
  });
});
