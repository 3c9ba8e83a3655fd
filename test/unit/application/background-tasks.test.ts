import { expect } from 'chai';
import { BackgroundTasks } from '../../../src/application/background-tasks.js';
import { Gate } from '../../support/gate.js';
import { TestLogger } from '../../support/test-logger.js';

describe('BackgroundTasks', () => {
  it('drain waits for running tasks and for tasks they start', async () => {
    const tasks = new BackgroundTasks(new TestLogger());
    const gate = new Gate();
    gate.close();
    const done: string[] = [];
    void tasks.run('outer', async () => {
      await gate.wait();
      void tasks.run('inner', async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        done.push('inner');
      });
      done.push('outer');
    });
    expect(tasks.size).to.equal(1);

    const drained = tasks.drain().then(() => done.push('drained'));
    gate.open();
    await drained;
    expect(done).to.deep.equal(['outer', 'inner', 'drained']);
    expect(tasks.size).to.equal(0);
  });

  it('a failing task is logged with its error and never rejects', async () => {
    const logger = new TestLogger();
    const tasks = new BackgroundTasks(logger);
    const failure = new Error('boom');

    await tasks.run('explode', async () => {
      throw failure;
    });
    await tasks.run('explode synchronously', () => {
      throw failure;
    });
    await tasks.drain();

    expect(logger.at('error').map((e) => [e.message, e.fields.err, e.fields.task])).to.deep.equal([
      ['background task failed: explode', failure, 'explode'],
      ['background task failed: explode synchronously', failure, 'explode synchronously'],
    ]);
  });

  it('drain with nothing pending resolves at once', async () => {
    await new BackgroundTasks(new TestLogger()).drain();
  });
});
