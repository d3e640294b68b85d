import { randomBytes } from 'node:crypto';
import { Response } from 'supertest';
import { PartnerCoupon } from '../../src/database/entities/partner/partner-coupon.entity';
import { PartnerOrder } from '../../src/database/entities/partner/partner-order.entity';
import { PartnerUser } from '../../src/database/entities/partner/partner-user.entity';
import { Wallet } from '../../src/database/entities/payments/wallet.entity';
import { WalletLedger } from '../../src/database/entities/payments/wallet-ledger.entity';
import { signPartner } from '../support/signing';
import type { TestApp } from '../support/test-app';

export const DEMO_USER = '41840909af844632885424fbc20cae79';
export const DEMO_PACK = '55fca782f55f406d94e2cecb23d0140b';
export const ADMIN_AUTH = 'Bearer admin-dev-token';

/** The 35 `order_info` fields of seed 000, in its order. */
export const SEED_ORDER_INFO = {
  order_no: '202201071757551641549475668', gift_pos_id: '55fca782f55f406d94e2cecb23d0140b', order_express_time_stamp: 0, bill_no: '',
  order_time: '2022-01-07 17:57:55', order_name: '购买机器', user_id_no: '', gift_title: '拉卡拉大POS 1台装礼包 升V5', order_status: 1,
  coupon_id: '', order_express_number: '', user_phone: '18569557087', pay_type: 1, order_time_stamp: 1641549475356,
  id: 'fd85f86a959043878cf2c03d8c09f39f', order_type: 1, user_level_id: '', order_express_name: '', order_express_time: '',
  order_receieve_phone: '18578229023', receive_time: '', order_price: 300, order_desc: '', order_express_address: '',
  order_pay_time: '2022-01-07 17:57:55', order_receieve_name: '刘德华', platform_remark: '', order_score: 0, deduct_price: 0,
  user_id: '41840909af844632885424fbc20cae79', user_real_name: '张学友', order_receieve_address: '湖南省长沙市德思勤城市广场b5栋',
  third_order_no: '', order_pay_time_stamp: 1641549475356, order_express_no: '',
};

export const nonce = () => randomBytes(8).toString('hex');

/** POST to the partner API, signed with the demo key. */
export function partnerPost(t: TestApp, path: string, params: Record<string, unknown>) {
  return t.http.post(`/app/partner/${path}`).send(signPartner(params));
}

export function pay(t: TestApp, params: { user_id: string; address_id: number; pay_type?: number; gift_pos_id?: string; coupon_id?: string; nonce?: string }) {
  return partnerPost(t, 'order/pay', { pay_type: 1, gift_pos_id: DEMO_PACK, ...params });
}

/** An admin call that must succeed; returns `result`. */
export async function admin(t: TestApp, method: 'post' | 'get', path: string, body?: object): Promise<any> {
  const req = method === 'post' ? t.http.post(`/admin/partner/${path}`).send(body ?? {}) : t.http.get(`/admin/partner/${path}`);
  const res: Response = await req.set('Authorization', ADMIN_AUTH);
  if (res.status !== 200) throw new Error(`admin ${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.result;
}

/** A fresh user with an address, a balance in yuan and optionally a level; returns ids. */
export async function newUser(t: TestApp, opts: { balance?: number; level_id?: string } = {}): Promise<{ userId: string; addressId: number }> {
  const user = await admin(t, 'post', 'users', { phone: '13800000000', real_name: '测试用户', ...(opts.level_id ? { level_id: opts.level_id } : {}) });
  if (opts.balance) await admin(t, 'post', `users/${user.id}/balance`, { amount: opts.balance, remark: 'test top-up' });
  const address = await admin(t, 'post', `users/${user.id}/addresses`, { name: '收货人', phone: '13900000000', province: '广东省', city: '深圳市', district: '南山区', detail: '科技园1号' });
  return { userId: user.id, addressId: address.id };
}

export async function newCoupon(t: TestApp, userId: string, amount: number, extra: object = {}): Promise<string> {
  const coupon = await admin(t, 'post', 'coupons', { user_id: userId, title: `减${amount}`, amount, ...extra });
  return coupon.id;
}

/** The wallet as stored: balance, ledger sum and rows (fen). */
export async function walletOf(t: TestApp, userId: string) {
  const wallet = await t.dataSource.getRepository(Wallet).findOneByOrFail({ ownerType: 'partner_user', ownerId: userId });
  const ledger = await t.dataSource.getRepository(WalletLedger).find({ where: { walletId: wallet.id }, order: { id: 'ASC' } });
  return { balance: wallet.balance, ledgerSum: ledger.reduce((sum, row) => sum + row.delta, 0), ledger };
}

export const ordersOf = (t: TestApp, userId: string) => t.dataSource.getRepository(PartnerOrder).find({ where: { userId }, order: { createdAt: 'ASC' } });
export const orderRow = (t: TestApp, orderNo: string) => t.dataSource.getRepository(PartnerOrder).findOneByOrFail({ orderNo });
export const couponRow = (t: TestApp, id: string) => t.dataSource.getRepository(PartnerCoupon).findOneByOrFail({ id });
export const userRow = (t: TestApp, id: string) => t.dataSource.getRepository(PartnerUser).findOneByOrFail({ id });
