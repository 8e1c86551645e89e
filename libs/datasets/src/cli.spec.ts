import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readDataset } from './dataset-io.js';
import { rgbImage, tempDir, writeImage, removeTempDirs } from './fixtures.spec-util.js';

afterAll(removeTempDirs);

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = path.join(ROOT, 'tools/cli/bin/rop.mjs');

function rop(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'dataset', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    cwd: ROOT,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('rop dataset (CLI)', () => {
  it('imports VIA, splits, augments; validates options; exit 2 when nothing is imported', async () => {
    const root = await tempDir();
    const images = path.join(root, 'images');
    await mkdir(images);
    const meta: Record<string, unknown> = {};
    for (let k = 0; k < 6; k++) {
      await writeImage(path.join(images, `baby${k}_img.png`), rgbImage(24, 20, k));
      meta[`baby${k}_img.png1`] = {
        filename: `baby${k}_img.png`,
        size: 1,
        regions: [
          {
            shape_attributes: { name: 'rect', x: 4, y: 8, width: 14, height: 3 },
            region_attributes: { stage: String(1 + (k % 3)) },
          },
        ],
        file_attributes: {},
      };
    }
    const via = path.join(root, 'via.json');
    await writeFile(via, JSON.stringify({ _via_img_metadata: meta }));
    const out = path.join(root, 'ds');

    const imp = rop(
      'import-via',
      '--images',
      images,
      '--via',
      via,
      '--out',
      out,
      '--group-by',
      '^(baby\\d+)',
    );
    expect(imp.err).toBe('');
    expect(imp.code).toBe(0);
    expect(imp.out).toMatch(/imported 6 items \(stage 1: 2, stage 2: 2, stage 3: 2; unassigned: 6\)/);

    const split = rop('split', '--data', out, '--seed', '4', '--ratios', '4:1:1');
    expect(split.code).toBe(0);
    const aug = rop('augment', '--data', out, '--seed', '4');
    expect(aug.code).toBe(0);
    const ds = await readDataset(out);
    expect(ds.items.every((i) => i.split !== '')).toBe(true);
    expect(aug.out).toMatch(/\+\d+ variants \(paper/);

    const bad = rop('split', '--data', out, '--seed', '4', '--ratios', '6:3');
    expect(bad.code).toBe(2);
    expect(bad.err.split('\n')[0]).toMatch(/--ratios.*invalid/);
    const badCh = rop(
      'import-masks',
      '--images',
      images,
      '--masks',
      images,
      '--out',
      path.join(root, 'x'),
      '--channel',
      'z',
    );
    expect(badCh.code).toBe(2);

    const none = rop(
      'import-via',
      '--images',
      path.join(root, 'nowhere'),
      '--via',
      via,
      '--out',
      path.join(root, 'none'),
    );
    expect(none.code).toBe(2);
    const empty = path.join(root, 'empty');
    await mkdir(empty);
    const nothing = rop('import-via', '--images', empty, '--via', via, '--out', path.join(root, 'none'));
    expect(nothing.code).toBe(2);
    expect(nothing.out).toMatch(
      /nothing imported, nothing written\nskipped 6:\n {2}baby0_img.png: image file not found/,
    );
    expect(existsSync(path.join(root, 'none'))).toBe(false);

    const help = rop('augment', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--balance <mode>/);
  });
});
