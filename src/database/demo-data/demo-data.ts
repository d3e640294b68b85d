import { EntityManager } from 'typeorm';
import { MallApp } from '../entities/mall/mall-app.entity';
import type { DemoStep } from './demo-step';
import { mallDemoSteps } from './mall-demo';
import { PARTNER_DEMO_STEPS } from './partner-demo';

/** The development app of SPEC §9; its secret is a documented development default. */
export const DEMO_MALL_APP_ID = '2022010600605642';
export const DEMO_MALL_SECRET = 'mall-dev-secret';

/** Each module's demo rows, in dependency order. */
const STEPS: DemoStep[] = [
  {
    name: 'mall app',
    load: async (em, now) => {
      await em.insert(MallApp, { appId: DEMO_MALL_APP_ID, name: 'Demo merchant', secret: DEMO_MALL_SECRET, notifyUrl: '', enabled: true, createdAt: now });
    },
  },
  ...PARTNER_DEMO_STEPS,
  ...mallDemoSteps(DEMO_MALL_APP_ID),
];

/**
 * Loads SPEC §9's demo data once: the demo mall app is the marker, so a second run changes nothing.
 * Returns false when the data was already there.
 */
export async function loadDemoData(em: EntityManager, progress: (line: string) => void = () => undefined): Promise<boolean> {
  if (await em.existsBy(MallApp, { appId: DEMO_MALL_APP_ID })) return false;
  const now = new Date();
  for (const step of STEPS) {
    progress(`demo data: ${step.name}`);
    await step.load(em, now);
  }
  return true;
}
