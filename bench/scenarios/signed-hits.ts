import { createHmac } from 'node:crypto';
import path from 'node:path';
import { fmt, uploadFile, waitForHit } from '../lib/bench.js';
import { hitCell, hitRun } from '../lib/hits.js';
import { median } from '../lib/load.js';
import { yesNo, type Scenario, type Section } from '../lib/scenario.js';

/** Any key: the signed service verifies with it, the harness signs with it (SPEC §8, as written, not the service's signer). */
const SIGNING_KEY = 'bench-url-signing-key-0123456789';
/** A signed hit may cost at most 5 % more CPU than an unsigned one. */
const GOAL = 1.05;

const SIGNED_SECTION: Section = {
  heading: 'Signed URLs (SPEC §8)',
  columns: ['scenario', 'c', 'signed req/s (p50/p99 ms; CPU ms/resp)', 'unsigned, same', 'signed ÷ unsigned CPU ms/resp', 'target', 'met'],
};

export const scenario: Scenario = {
  id: 'signed-hits',
  title: 'the same stored rendition from a service with URL_SIGNING_KEYS and from one without, by redirect: CPU per hit',
  async run(bench) {
    const { service: unsigned, images } = bench;
    const signed = await bench.startService('signed', { URL_SIGNING_KEYS: SIGNING_KEY });
    await uploadFile(signed.base, images.photo.id, path.join(bench.sourceDir, images.photo.file));
    const hitPath = `/${images.photo.id}_400_400.jpg`;
    const signature = createHmac('sha256', SIGNING_KEY).update(hitPath).digest('base64url');
    await waitForHit(unsigned.base, hitPath);
    const subject = { server: signed, path: `${hitPath}?sig=${signature}` };
    const row = await hitRun(bench, 'signed-URL hit vs unsigned hit, redirect delivery (303)', subject, { server: unsigned, path: hitPath }, 303, true);
    const ratio = median(row.ratios);
    return {
      rows: [{ section: SIGNED_SECTION, row: `| ${row.scenario} | ${row.connections} | ${hitCell(row.service)} | ${hitCell(row.floor)} | ${fmt(ratio, 3)} | ≤ ${GOAL} | ${yesNo(ratio <= GOAL)} |` }],
      checks: [row.check],
    };
  },
};
