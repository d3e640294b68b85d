import { Engine, enginesUnderTest } from './engines';
import { createTestApp, TestApp, TestAppOptions } from './test-app';

/**
 * Runs the block once per engine under test, each with its own freshly booted app and database
 * (seeded with the demo data once, in beforeAll).
 */
export function describeEachEngine(title: string, body: (ctx: () => TestApp, engine: Engine) => void, options: TestAppOptions = {}): void {
  for (const engine of enginesUnderTest()) {
    describe(`${title} [${engine}]`, () => {
      let t: TestApp | undefined;
      beforeAll(async () => {
        t = await createTestApp(engine, options);
      });
      afterAll(async () => {
        await t?.close();
      });
      body(() => {
        if (!t) throw new Error('test app did not start');
        return t;
      }, engine);
    });
  }
}
