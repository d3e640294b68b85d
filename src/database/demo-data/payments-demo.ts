import type { DemoStep } from './demo-step';

/** SPEC §9 demo rows of the payments module (wallets are opened by the partner and mall steps). */
export const PAYMENTS_DEMO_STEPS: DemoStep[] = [];
