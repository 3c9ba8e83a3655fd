import { spawnSync } from 'node:child_process';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { StoreUnavailableError } from '../../../src/application/application-error.js';
import { ObjectFolder } from '../../../src/adapters/filesystem/object-folder.js';
import { tempFileName, THIS_WRITER, type TempWriter } from '../../../src/adapters/filesystem/temp-files.js';
import { someBytes } from '../../support/storage-fixtures.js';
import { listTree, makeTempDir } from '../../support/storage-temp-dir.js';

const HOUR_MS = 60 * 60 * 1000;

/** The pid of a process that has run and exited: no process has it now (the kernel hands pids out in order). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

async function plant(root: string, relative: string, ageMs = 0): Promise<void> {
  const file = path.join(root, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, someBytes(100));
  const when = new Date(Date.now() - ageMs);
  await utimes(file, when, when);
}

describe('ObjectFolder: temp files of interrupted writes', () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let root: string;

  beforeEach(async () => {
    dir = await makeTempDir('temp-files');
    root = path.join(dir.path, 'root');
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('removes at once those of a process on this host that no longer runs, and of an earlier process with this pid', async () => {
    const crashed: TempWriter = { ...THIS_WRITER, pid: deadPid() };
    const restarted: TempWriter = { ...THIS_WRITER, tag: THIS_WRITER.tag === '00000000' ? '11111111' : '00000000' };
    await plant(root, `killed/${tempFileName('a'.repeat(64), crashed)}`);
    await plant(root, `other/${'b'.repeat(16)}/${tempFileName('c'.repeat(32) + '.webp', restarted)}`);
    await plant(root, `kept/${'d'.repeat(64)}`);
    await plant(root, `kept/${tempFileName('check', crashed)}`);

    expect(await new ObjectFolder(root).removeStaleTempFiles()).to.equal(3);
    // The folders the sweep emptied go too; a folder holding an object stays.
    expect(await listTree(root)).to.deep.equal(['kept/', `kept/${'d'.repeat(64)}`]);
  });

  it('keeps the young temp files of live writers and of other hosts (a shared volume), and removes them once an hour old', async () => {
    const otherHost: TempWriter = { host: THIS_WRITER.host === 'ffffffff' ? 'eeeeeeee' : 'ffffffff', pid: 1, tag: '12345678' };
    const legacy = `.${'e'.repeat(64)}.0b0c5a2e-4d3f-4f5e-9a1b-2c3d4e5f6a7b.tmp`;
    const young = [
      `a/${tempFileName('a'.repeat(64))}`,
      `b/${tempFileName('b'.repeat(64), otherHost)}`,
      `c/${legacy}`,
      `d/${tempFileName('d'.repeat(64), { ...THIS_WRITER, pid: process.ppid })}`,
    ];
    for (const file of young) await plant(root, file, HOUR_MS - 60_000);
    const folder = new ObjectFolder(root);

    expect(await folder.removeStaleTempFiles()).to.equal(0);
    expect((await listTree(root)).filter((entry) => !entry.endsWith('/'))).to.deep.equal(young.sort());

    for (const file of young) await plant(root, file, HOUR_MS + 60_000);
    expect(await folder.removeStaleTempFiles()).to.equal(young.length);
    expect(await listTree(root)).to.deep.equal([]);
  });

  it('never touches anything but its own temp files, however old', async () => {
    const others = [`x/${'a'.repeat(64)}`, 'x/.hidden', 'x/.name.tmp', `x/.name.${'0'.repeat(36)}.tmp.bak`, 'x/y/z.webp'];
    for (const file of others) await plant(root, file, 100 * HOUR_MS);
    expect(await new ObjectFolder(root).removeStaleTempFiles()).to.equal(0);
    expect((await listTree(root)).filter((entry) => !entry.endsWith('/'))).to.deep.equal(others.sort());
  });

  it('writes its temp files under names it recognises as its own, so a write cut short is swept later', async () => {
    const folder = new ObjectFolder(root);
    await folder.put('id/object', someBytes(10));
    const name = tempFileName('object');
    expect(name).to.match(new RegExp(`^\\.object\\.${THIS_WRITER.host}-${process.pid}-${THIS_WRITER.tag}\\.[0-9a-f-]{36}\\.tmp$`));
    await plant(root, `id/${name}`, 2 * HOUR_MS);
    expect(await folder.removeStaleTempFiles()).to.equal(1);
    expect(await readFile(path.join(root, 'id', 'object'))).to.have.length(10);
  });

  it('answers 0 for a root that does not exist yet', async () => {
    expect(await new ObjectFolder(root).removeStaleTempFiles()).to.equal(0);
  });
});

describe('ObjectFolder.check: free disk space', () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;

  beforeEach(async () => {
    dir = await makeTempDir('free-space');
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('fails with StoreUnavailableError naming both figures when the disk has less free space than minFreeBytes', async () => {
    // More than any disk this runs on has free: the disk is "full" for this threshold.
    const folder = new ObjectFolder(dir.path, { minFreeBytes: Number.MAX_SAFE_INTEGER });
    const error = await folder.check().then(
      () => expect.fail('check() passed'),
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(StoreUnavailableError);
    expect((error as Error).message).to.match(/has [\d.]+ MiB free, less than the [\d.]+ MiB required \(minFreeBytes\)/);
  });

  it('passes when the disk has the free space asked for, or when the check is off', async () => {
    await new ObjectFolder(dir.path, { minFreeBytes: 1 }).check();
    await new ObjectFolder(dir.path, { minFreeBytes: 0 }).check();
    await new ObjectFolder(dir.path).check();
  });
});
