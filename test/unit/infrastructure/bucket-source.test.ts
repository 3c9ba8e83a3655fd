import { expect } from 'chai';
import { bucketLocationOf, gcsSourceConfig, s3SourceConfig } from '../../../src/infrastructure/cli/bucket-source.js';
import { UsageError } from '../../../src/infrastructure/cli/command.js';
import { validateConfig } from '../../../src/infrastructure/config/validate-config.js';

describe('lir import: the bucket a location names, and how it is reached', () => {
  it('reads s3:// and gs:// locations with or without a prefix; anything else is a folder', () => {
    expect(bucketLocationOf('s3://photos/2019/summer/')).to.deep.equal({ driver: 's3', bucket: 'photos', prefix: '2019/summer/', url: 's3://photos/2019/summer/' });
    expect(bucketLocationOf('gs://photos/2019')).to.deep.equal({ driver: 'gcs', bucket: 'photos', prefix: '2019/', url: 'gs://photos/2019/' });
    expect(bucketLocationOf('s3://photos')).to.deep.equal({ driver: 's3', bucket: 'photos', prefix: '', url: 's3://photos/' });
    expect(bucketLocationOf('gs://photos/')).to.include({ prefix: '' });
    for (const folder of ['./photos', '/srv/s3://x', 's3:photos', 'photos']) expect(bucketLocationOf(folder), folder).to.equal(undefined);
    expect(() => bucketLocationOf('s3:///prefix')).to.throw(UsageError, 's3:///prefix names no bucket: s3://BUCKET/PREFIX');
  });

  it('reaches a bucket with the settings of the configured store of the same driver, originals first', () => {
    const s3 = { driver: 's3', bucket: 'store', endpoint: 'http://rgw.internal:7480', forcePathStyle: true, accessKeyId: 'k', secretAccessKey: 's', region: 'eu-west-3' };
    expect(s3SourceConfig('legacy', validateConfig({ renditions: s3 }))).to.deep.equal({
      bucket: 'legacy',
      region: 'eu-west-3',
      endpoint: 'http://rgw.internal:7480',
      forcePathStyle: true,
      accessKeyId: 'k',
      secretAccessKey: 's',
    });
    expect(s3SourceConfig('legacy', validateConfig({ originals: { ...s3, region: 'us-east-2' }, renditions: s3 }))).to.include({ region: 'us-east-2' });
    const gcs = { driver: 'gcs', bucket: 'store', projectId: 'p', apiEndpoint: 'http://127.0.0.1:9023', keyFilename: '/etc/key.json' };
    expect(gcsSourceConfig('legacy', validateConfig({ originals: gcs }))).to.deep.equal({ bucket: 'legacy', projectId: 'p', apiEndpoint: 'http://127.0.0.1:9023', keyFilename: '/etc/key.json' });
  });

  it('leaves everything but the bucket to the SDK when no store uses that driver', () => {
    expect(s3SourceConfig('legacy', validateConfig({}))).to.deep.equal({ bucket: 'legacy' });
    expect(gcsSourceConfig('legacy', validateConfig({ originals: { driver: 's3', bucket: 'x' } }))).to.deep.equal({ bucket: 'legacy' });
  });
});
