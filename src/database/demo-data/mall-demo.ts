import { MallCoupon, MallCouponStatus } from '../entities/mall/mall-coupon.entity';
import { MallGoods } from '../entities/mall/mall-goods.entity';
import { MallGoodsOption } from '../entities/mall/mall-goods-option.entity';
import { MallMember } from '../entities/mall/mall-member.entity';
import { MallMemberApp } from '../entities/mall/mall-member-app.entity';
import { MallStore } from '../entities/mall/mall-store.entity';
import { Wallet } from '../entities/payments/wallet.entity';
import { WalletLedger } from '../entities/payments/wallet-ledger.entity';
import type { DemoStep } from './demo-step';

/**
 * SPEC §9 demo rows of the mall module, in dependency order, the demo members served by the demo app `appId`. Goods
 * 164 and 99 of store 1 allow no point deduction, so the seed request (member 2455, `deduction_ids: ["point"]`, no
 * points) prices at 100.00.
 */
export const mallDemoSteps = (appId: string): DemoStep[] => [
  {
    name: 'mall stores',
    load: async (em, now) => {
      await em.insert(MallStore, [
        { id: 1, name: '自营', dispatchPrice: 0, serviceFees: [], createdAt: now },
        { id: 2, name: '数码旗舰店', dispatchPrice: 1000, serviceFees: [{ code: 'install', name: '上门安装', amount: 2000 }], createdAt: now },
        { id: 3, name: '生鲜超市', dispatchPrice: 500, serviceFees: [], createdAt: now },
      ]);
    },
  },
  {
    name: 'mall goods',
    load: async (em, now) => {
      const goods = (id: number, storeId: number, title: string, price: number, stock: number, maxPointDeductRatio: number) =>
        ({ id, storeId, title, price, stock, maxPointDeductRatio, onSale: true, createdAt: now });
      await em.insert(MallGoods, [
        goods(164, 1, '自营 紫砂茶具套装', 2500, 1000, 0),
        goods(99, 1, '自营 手工蜂蜜 500g', 2500, 1000, 0),
        goods(201, 2, '蓝牙降噪耳机', 19900, 200, 20),
        goods(202, 2, '移动电源', 8900, 300, 10),
        goods(301, 3, '有机红富士苹果 5 斤', 3990, 500, 50),
        goods(302, 3, '散养土鸡蛋 30 枚', 4500, 500, 30),
      ]);
      await em.insert(MallGoodsOption, [
        { id: 1, goodsId: 202, title: '10000mAh 白色', price: 8900, stock: 100 },
        { id: 2, goodsId: 202, title: '20000mAh 黑色', price: 12900, stock: 100 },
      ]);
    },
  },
  {
    name: 'mall members',
    load: async (em, now) => {
      await em.insert(MallMember, [
        { uid: 2455, mobile: '15013245465', nickname: '演示会员', points: 0, createdAt: now },
        { uid: 2456, mobile: '13800002456', nickname: '积分会员', points: 10000, createdAt: now },
      ]);
      await em.insert(MallMemberApp, [
        { appId, uid: 2455 },
        { appId, uid: 2456 },
      ]);
      await em.insert(Wallet, [
        { ownerType: 'mall_member', ownerId: '2455', balance: 0, updatedAt: now },
        { ownerType: 'mall_member', ownerId: '2456', balance: 50000, updatedAt: now },
      ]);
      // The ledger always sums to the balance, demo money included.
      const wallet = await em.findOneByOrFail(Wallet, { ownerType: 'mall_member', ownerId: '2456' });
      await em.insert(WalletLedger, {
        walletId: wallet.id,
        delta: 50000,
        balanceAfter: 50000,
        bizType: 'demo_seed',
        bizNo: 'mall-member-2456',
        remark: '演示数据初始余额',
        createdAt: now,
      });
    },
  },
  {
    name: 'mall coupons',
    load: async (em, now) => {
      const coupon = (id: number, name: string, amount: number, minPrice: number, storeId: number | null) =>
        ({ id, uid: 2456, name, amount, minPrice, storeId, expiresAt: null, status: MallCouponStatus.Unused, tradeSn: '', usedAt: null, createdAt: now });
      await em.insert(MallCoupon, [coupon(1, '平台满 100 减 20', 2000, 10000, null), coupon(2, '数码旗舰店满 150 减 15', 1500, 15000, 2)]);
    },
  },
];
