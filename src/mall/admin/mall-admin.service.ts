import { Injectable } from '@nestjs/common';
import { randomBytes, randomInt } from 'node:crypto';
import { EntityManager, In, Raw } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { ConflictError, InsufficientFundsError, InvalidParamsError, NotFoundError } from '../../common/errors/app-error';
import { hexId } from '../../common/ids';
import { Fen, fenToYuan, MAX_SUM_FEN, yuanToFen } from '../../common/money';
import { compactTime, formatWireTime, parseWireTime } from '../../common/time';
import { affectedRows, isUniqueViolation } from '../../database/db-errors';
import { insertUnderFreshNumber } from '../../common/fresh-number';
import { MallApp } from '../../database/entities/mall/mall-app.entity';
import { MallCoupon, MallCouponStatus } from '../../database/entities/mall/mall-coupon.entity';
import { MallGoods } from '../../database/entities/mall/mall-goods.entity';
import { MallGoodsOption } from '../../database/entities/mall/mall-goods-option.entity';
import { MallMember } from '../../database/entities/mall/mall-member.entity';
import { MallMemberApp } from '../../database/entities/mall/mall-member-app.entity';
import { MallMerchantNotification } from '../../database/entities/mall/mall-merchant-notification.entity';
import { MallOrder, MallOrderStatus } from '../../database/entities/mall/mall-order.entity';
import { MallStore } from '../../database/entities/mall/mall-store.entity';
import { MallTrade } from '../../database/entities/mall/mall-trade.entity';
import { TransactionService } from '../../database/transaction.service';
import { WalletOwner, WalletService } from '../../payments/wallet/wallet.service';
import { MerchantOutbox } from '../notify/merchant-outbox.service';
import { MallTradeLifecycle } from '../trade/mall-trade-lifecycle.service';
import { MallTradeViews } from '../trade/mall-trade-views';
import {
  AdjustMemberBalanceDto,
  AdjustPointsDto,
  AdminTradeViewDto,
  AppCreatedDto,
  CreateAppDto,
  CreateGoodsDto,
  CreateMallCouponDto,
  CreateMemberDto,
  CreateStoreDto,
  GoodsViewDto,
  MallCouponViewDto,
  MemberViewDto,
  NotificationListDto,
  NotificationQueryDto,
  NotificationViewDto,
  ShipMallOrderDto,
  ShippedOrderDto,
  StoreViewDto,
} from './mall-admin.dto';

const memberWallet = (uid: number): WalletOwner => ({ ownerType: 'mall_member', ownerId: String(uid) });

/** Runs an insert whose explicit id may already exist; the duplicate becomes 40901, never a 500. */
async function insertOrConflict<T>(work: () => Promise<T>, what: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`${what}已存在`);
    throw error;
  }
}

/** Operators' side of the mall (SPEC §7): merchant apps, catalogue, members, coupons, trades, shipping. */
@Injectable()
export class MallAdminService {
  constructor(
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly wallets: WalletService,
    private readonly lifecycle: MallTradeLifecycle,
    private readonly views: MallTradeViews,
    private readonly outbox: MerchantOutbox,
  ) {}

  /** A merchant app with a fresh random secret; app ids look like the demo's (`yyyyMMdd` + 8 digits). */
  async createApp(dto: CreateAppDto): Promise<AppCreatedDto> {
    const secret = randomBytes(24).toString('hex');
    return insertUnderFreshNumber(
      async () => {
        const now = new Date();
        const appId = `${compactTime(now, this.config.APP_TIMEZONE).slice(0, 8)}${String(randomInt(0, 1e8)).padStart(8, '0')}`;
        await this.tx.run((em) => em.insert(MallApp, { appId, name: dto.name, secret, notifyUrl: dto.notify_url ?? '', enabled: true, createdAt: now }));
        return { app_id: appId, secret, name: dto.name, notify_url: dto.notify_url ?? '' };
      },
      { attempts: 4 },
    );
  }

  async createStore(dto: CreateStoreDto): Promise<StoreViewDto> {
    const codes = (dto.service_fees ?? []).map((f) => f.code);
    if (new Set(codes).size !== codes.length) throw new InvalidParamsError({ service_fees: 'service_fees 的 code 重复' });
    const store = await insertOrConflict(
      () =>
        this.tx.run(async (em) => {
          const row = em.create(MallStore, {
            ...(dto.id ? { id: dto.id } : {}),
            name: dto.name,
            dispatchPrice: fen(dto.dispatch_price ?? 0),
            serviceFees: (dto.service_fees ?? []).map((f) => ({ code: f.code, name: f.name, amount: fen(f.amount) })),
            createdAt: new Date(),
          });
          await em.insert(MallStore, row);
          return row;
        }),
      '店铺',
    );
    return storeView(store);
  }

  async createGoods(dto: CreateGoodsDto): Promise<GoodsViewDto> {
    const explicitIds = (dto.options ?? []).map((o) => o.id).filter((id) => id !== undefined);
    if (new Set(explicitIds).size !== explicitIds.length) throw new InvalidParamsError({ options: 'options 的 id 重复' });
    const [goods, options] = await insertOrConflict(
      () =>
        this.tx.run(async (em) => {
          if (!(await em.existsBy(MallStore, { id: dto.store_id }))) throw new NotFoundError('店铺不存在');
          const row = em.create(MallGoods, {
            ...(dto.id ? { id: dto.id } : {}),
            storeId: dto.store_id,
            title: dto.title,
            price: fen(dto.price),
            stock: dto.stock,
            maxPointDeductRatio: dto.max_point_deduct_ratio ?? 0,
            onSale: dto.on_sale ?? true,
            createdAt: new Date(),
          });
          await em.insert(MallGoods, row);
          const optionRows: MallGoodsOption[] = [];
          for (const option of dto.options ?? []) {
            const optionRow = em.create(MallGoodsOption, { ...(option.id ? { id: option.id } : {}), goodsId: row.id, title: option.title, price: fen(option.price), stock: option.stock });
            await em.insert(MallGoodsOption, optionRow);
            optionRows.push(optionRow);
          }
          return [row, optionRows] as const;
        }),
      '商品或规格',
    );
    return goodsView(goods, options);
  }

  async createMember(dto: CreateMemberDto): Promise<MemberViewDto> {
    const appIds = [...(dto.app_ids ?? [])].sort();
    const member = await insertOrConflict(
      () =>
        this.tx.run(async (em) => {
          if (appIds.length && (await em.countBy(MallApp, { appId: In(appIds) })) !== appIds.length) throw new NotFoundError('商户应用不存在');
          const row = em.create(MallMember, { ...(dto.uid ? { uid: dto.uid } : {}), mobile: dto.mobile, nickname: dto.nickname ?? '', points: 0, createdAt: new Date() });
          await em.insert(MallMember, row);
          await this.wallets.open(em, memberWallet(row.uid));
          if (appIds.length) await em.insert(MallMemberApp, appIds.map((appId) => ({ appId, uid: row.uid })));
          return row;
        }),
      '会员',
    );
    return { uid: member.uid, mobile: member.mobile, nickname: member.nickname, points: 0, balance: 0, app_ids: appIds };
  }

  /** Idempotent: binding a member the app already serves changes nothing. */
  async bindMember(appId: string, uid: number): Promise<MemberViewDto> {
    return this.tx.run(async (em) => {
      await requireAppAndMember(em, appId, uid);
      await em.createQueryBuilder().insert().into(MallMemberApp).values({ appId, uid }).orIgnore().execute();
      return this.memberView(em, uid);
    });
  }

  /** The app's existing trades stay its own (detail, close, refund); it can no longer price or order for the member. */
  async unbindMember(appId: string, uid: number): Promise<MemberViewDto> {
    return this.tx.run(async (em) => {
      await requireAppAndMember(em, appId, uid);
      await em.delete(MallMemberApp, { appId, uid });
      return this.memberView(em, uid);
    });
  }

  getMember(uid: number): Promise<MemberViewDto> {
    return this.memberView(this.tx.manager, uid);
  }

  /**
   * Signed change in one conditional update: a deduction never takes points below zero (42201), a credit never
   * past MAX_SUM_FEN (40001).
   */
  async adjustPoints(uid: number, dto: AdjustPointsDto): Promise<MemberViewDto> {
    if (dto.amount === 0) throw new InvalidParamsError({ amount: 'amount 不能为 0' });
    return this.tx.run(async (em) => {
      if (!(await em.existsBy(MallMember, { uid }))) throw new NotFoundError('会员不存在');
      const result = await em.update(
        MallMember,
        { uid, points: Raw((column) => `${column} + :delta >= 0 AND ${column} + :delta <= :cap`, { delta: dto.amount, cap: MAX_SUM_FEN }) },
        { points: () => 'points + :delta' },
      );
      if (affectedRows(result) !== 1) {
        if (dto.amount < 0) throw new InsufficientFundsError('积分不足');
        throw new InvalidParamsError({ amount: `积分余额不能超过 ${MAX_SUM_FEN}` });
      }
      return this.memberView(em, uid);
    });
  }

  /** Through the wallet, so the change is a ledger row like every other movement of money. */
  async adjustBalance(uid: number, dto: AdjustMemberBalanceDto): Promise<MemberViewDto> {
    const delta = fen(dto.amount);
    if (delta === 0) throw new InvalidParamsError({ amount: 'amount 不能为 0' });
    return this.tx.run(async (em) => {
      if (!(await em.existsBy(MallMember, { uid }))) throw new NotFoundError('会员不存在');
      await this.wallets.adjust(em, { ...memberWallet(uid), delta, bizType: 'admin_adjust', bizNo: `mall-admin-${hexId()}`, remark: dto.remark ?? '' });
      return this.memberView(em, uid);
    });
  }

  async createCoupon(dto: CreateMallCouponDto): Promise<MallCouponViewDto> {
    const expiresAt = dto.expires_at ? parseWireTime(dto.expires_at, this.config.APP_TIMEZONE) : null;
    if (dto.expires_at && !expiresAt) throw new InvalidParamsError({ expires_at: 'expires_at 不是有效的时间' });
    const coupon = await this.tx.run(async (em) => {
      if (!(await em.existsBy(MallMember, { uid: dto.uid }))) throw new NotFoundError('会员不存在');
      if (dto.store_id && !(await em.existsBy(MallStore, { id: dto.store_id }))) throw new NotFoundError('店铺不存在');
      const row = em.create(MallCoupon, {
        uid: dto.uid,
        name: dto.name,
        amount: fen(dto.amount),
        minPrice: fen(dto.min_price ?? 0),
        storeId: dto.store_id ?? null,
        expiresAt,
        status: MallCouponStatus.Unused,
        tradeSn: '',
        usedAt: null,
        createdAt: new Date(),
      });
      await em.insert(MallCoupon, row);
      return row;
    });
    return {
      id: coupon.id,
      uid: coupon.uid,
      name: coupon.name,
      amount: fenToYuan(coupon.amount),
      min_price: fenToYuan(coupon.minPrice),
      store_id: coupon.storeId ?? 0,
      expires_at: formatWireTime(coupon.expiresAt, this.config.APP_TIMEZONE),
      status: coupon.status,
      trade_sn: coupon.tradeSn,
    };
  }

  async getTrade(tradeSn: string): Promise<AdminTradeViewDto> {
    const trade = await this.tx.manager.findOneBy(MallTrade, { tradeSn });
    if (!trade) throw new NotFoundError('交易不存在');
    return { app_id: trade.appId, ...(await this.views.trade(this.tx.manager, trade)) };
  }

  /** Awaiting shipment → shipped (42204 from any other status); the merchant is notified. */
  async shipOrder(orderSn: string, dto: ShipMallOrderDto): Promise<ShippedOrderDto> {
    return this.tx.run(async (em) => {
      const order = await em.findOneBy(MallOrder, { orderSn });
      if (!order) throw new NotFoundError('订单不存在');
      const now = new Date();
      await this.lifecycle.ship(em, order, { expressName: dto.express_name, expressNumber: dto.express_number }, now);
      return {
        order_sn: order.orderSn,
        status: MallOrderStatus.Shipped,
        express_name: dto.express_name,
        express_number: dto.express_number,
        send_time: formatWireTime(now, this.config.APP_TIMEZONE),
      };
    });
  }

  async notifications(query: NotificationQueryDto): Promise<NotificationListDto> {
    const page = query.page ?? 1;
    const pageSize = query.page_size ?? 20;
    const [rows, total] = await this.outbox.list(query.status, page, pageSize);
    return { list: rows.map((row) => this.notificationView(row)), total, page, page_size: pageSize };
  }

  private async memberView(em: EntityManager, uid: number): Promise<MemberViewDto> {
    const member = await em.findOneBy(MallMember, { uid });
    if (!member) throw new NotFoundError('会员不存在');
    const balance = await this.wallets.balanceOf(em, memberWallet(uid));
    const apps = await em.find(MallMemberApp, { where: { uid }, order: { appId: 'ASC' } });
    return { uid: member.uid, mobile: member.mobile, nickname: member.nickname, points: member.points, balance: fenToYuan(balance), app_ids: apps.map((a) => a.appId) };
  }

  private notificationView(row: MallMerchantNotification): NotificationViewDto {
    const tz = this.config.APP_TIMEZONE;
    return {
      id: row.id,
      notify_id: row.notifyId,
      app_id: row.appId,
      event: row.event,
      outside_sn: row.payload.outside_sn,
      trade_sn: row.payload.trade_sn,
      order_sn: row.payload.order_sn,
      event_status: row.payload.status,
      status: row.status,
      attempts: row.attempts,
      next_attempt_time: row.status === 'pending' ? formatWireTime(row.nextAttemptAt, tz) : '',
      last_error: row.lastError,
      create_time: formatWireTime(row.createdAt, tz),
      deliver_time: formatWireTime(row.deliveredAt, tz),
    };
  }
}

async function requireAppAndMember(em: EntityManager, appId: string, uid: number): Promise<void> {
  if (!(await em.existsBy(MallApp, { appId }))) throw new NotFoundError('商户应用不存在');
  if (!(await em.existsBy(MallMember, { uid }))) throw new NotFoundError('会员不存在');
}

/** DTOs validated the amount already (IsMoney), so it parses. */
function fen(yuan: number | string): Fen {
  return yuanToFen(yuan)!;
}

function storeView(store: MallStore): StoreViewDto {
  return {
    id: store.id,
    name: store.name,
    dispatch_price: fenToYuan(store.dispatchPrice),
    service_fees: store.serviceFees.map((f) => ({ code: f.code, name: f.name, amount: fenToYuan(f.amount) })),
  };
}

function goodsView(goods: MallGoods, options: readonly MallGoodsOption[]): GoodsViewDto {
  return {
    id: goods.id,
    store_id: goods.storeId,
    title: goods.title,
    price: fenToYuan(goods.price),
    stock: goods.stock,
    max_point_deduct_ratio: goods.maxPointDeductRatio,
    on_sale: goods.onSale,
    options: options.map((o) => ({ id: o.id, title: o.title, price: fenToYuan(o.price), stock: o.stock })),
  };
}
