import { GiftPack } from '../entities/partner/gift-pack.entity';
import { PartnerAddress } from '../entities/partner/partner-address.entity';
import { PartnerLevel } from '../entities/partner/partner-level.entity';
import { PartnerUser } from '../entities/partner/partner-user.entity';
import { Wallet } from '../entities/payments/wallet.entity';
import { WalletLedger } from '../entities/payments/wallet-ledger.entity';
import type { DemoStep } from './demo-step';

const DEMO_PARTNER_USER_ID = '41840909af844632885424fbc20cae79';
const DEMO_GIFT_PACK_ID = '55fca782f55f406d94e2cecb23d0140b';
const DEMO_BALANCE_FEN = 1_000_000;

/** SPEC §9 demo rows of the partner module, in dependency order. With them the seed's request gives the seed's response. */
export const PARTNER_DEMO_STEPS: DemoStep[] = [
  {
    name: 'partner levels',
    load: async (em) => {
      await em.insert(PartnerLevel, { id: 'V5', name: 'V5', rank: 5 });
    },
  },
  {
    name: 'partner user, wallet and address',
    load: async (em, now) => {
      await em.insert(PartnerUser, { id: DEMO_PARTNER_USER_ID, phone: '18569557087', realName: '张学友', idNo: '', levelId: null, score: 0, createdAt: now });
      // The wallet and its one ledger row are written together, so the ledger sums to the balance from the start.
      const wallet = em.create(Wallet, { ownerType: 'partner_user', ownerId: DEMO_PARTNER_USER_ID, balance: DEMO_BALANCE_FEN, updatedAt: now });
      await em.insert(Wallet, wallet);
      await em.insert(WalletLedger, {
        walletId: wallet.id,
        delta: DEMO_BALANCE_FEN,
        balanceAfter: DEMO_BALANCE_FEN,
        bizType: 'demo_grant',
        bizNo: DEMO_PARTNER_USER_ID,
        remark: '演示数据 / demo data',
        createdAt: now,
      });
      await em.insert(PartnerAddress, {
        id: 1,
        userId: DEMO_PARTNER_USER_ID,
        name: '刘德华',
        phone: '18578229023',
        province: '湖南省',
        city: '长沙市',
        district: '',
        detail: '德思勤城市广场b5栋',
        createdAt: now,
      });
    },
  },
  {
    name: 'partner gift pack',
    load: async (em, now) => {
      await em.insert(GiftPack, { id: DEMO_GIFT_PACK_ID, title: '拉卡拉大POS 1台装礼包 升V5', price: 30_000, levelId: 'V5', score: 0, stock: null, onSale: true, createdAt: now });
    },
  },
];
