import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { CouponUnusableError, InsufficientFundsError, InvalidParamsError, NotFoundError, OutOfStockError } from '../../common/errors/app-error';
import { Fen, formatYuan, MAX_SUM_FEN } from '../../common/money';
import { MallCoupon, MallCouponStatus } from '../../database/entities/mall/mall-coupon.entity';
import { MallGoods } from '../../database/entities/mall/mall-goods.entity';
import { MallGoodsOption } from '../../database/entities/mall/mall-goods-option.entity';
import { MallMember } from '../../database/entities/mall/mall-member.entity';
import { MallServiceFee, MallStore } from '../../database/entities/mall/mall-store.entity';
import { WalletService } from '../../payments/wallet/wallet.service';
import { DeductionCode } from '../dto/mall-order-params.dto';
import { columnsAs, hydrateAs, placeholders, select, selectEntities } from '../../database/sql';
import { preIdOf } from '../pre-id';
import { splitByWeight } from './split-by-weight';

export interface GoodsLineInput {
  goodsId: number;
  optionId: number;
  total: number;
}

/** What the merchant chose for one store group (`orders[]`). */
export interface GroupChoiceInput {
  preId: string;
  deductionIds: DeductionCode[];
  serviceFeeCodes: string[];
  note: string;
}

export interface PricingInput {
  uid: number;
  goods: GoodsLineInput[];
  couponIds: number[];
  choices: GroupChoiceInput[];
}

export interface PricedLine {
  goodsId: number;
  optionId: number;
  title: string;
  /** Unit price. */
  price: Fen;
  total: number;
  goodsPrice: Fen;
}

export interface PricedDeduction {
  code: DeductionCode;
  name: string;
  /** Points for `point`; fen for `balance`. */
  coin: number;
  amount: Fen;
  checked: boolean;
}

export interface PricedGroup {
  preId: string;
  store: MallStore;
  lines: PricedLine[];
  goodsPrice: Fen;
  dispatchPrice: Fen;
  discountPrice: Fen;
  deductions: PricedDeduction[];
  serviceFees: Array<MallServiceFee & { checked: boolean }>;
  serviceFeeAmount: Fen;
  pointAmount: Fen;
  points: number;
  balanceAmount: Fen;
  /** Left to pay through Alipay. */
  price: Fen;
  note: string;
}

export interface Pricing {
  uid: number;
  groups: PricedGroup[];
  /** Coupons the trade uses (each checked usable at pricing time). */
  couponIds: number[];
  goodsPrice: Fen;
  discountPrice: Fen;
  dispatchPrice: Fen;
  serviceFeeAmount: Fen;
  pointAmount: Fen;
  points: number;
  balanceAmount: Fen;
  totalPrice: Fen;
}

export interface PricingOptions {
  /**
   * Refuse stock, points and balance the member or goods lack right now (42203 / 42201). `/order/pre`
   * wants that answer; `/order/create` leaves it to its conditional updates, the only check that holds
   * under concurrency, so a shortfall found there rolls back everything taken before it.
   */
  checkAvailability: boolean;
}

const DEDUCTION_NAME: Record<DeductionCode, string> = { point: '积分抵扣', balance: '余额抵扣' };

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/**
 * The one price calculation behind `/order/pre` and `/order/create`, so a pre-order and the order made
 * from it never disagree. Reads only; amounts in fen.
 *
 * Order of application per store group: goods price → coupons (store coupons to their store, platform
 * coupons split by goods price) → `point` (capped per goods by `max_point_deduct_ratio`) → shipping and
 * chosen service fees → `balance` (pays what is left). A chosen deduction is taken in full or the request
 * fails with 42201: the price quoted is the price charged, never a silently smaller deduction.
 */
@Injectable()
export class OrderPricingService {
  constructor(
    private readonly config: AppConfig,
    private readonly wallets: WalletService,
  ) {}

  /** Prices for the app `appId`: a member it does not serve is 40401 like an unknown one, before anything else is checked. */
  async price(em: EntityManager, appId: string, input: PricingInput, now: Date, options: PricingOptions): Promise<Pricing> {
    const catalog = await readCatalog(em, appId, input);
    if (!catalog) throw new NotFoundError('会员不存在');
    const { member } = catalog;

    const drafts = this.groupByStore(await this.priceLines(em, input.goods, catalog, options));
    applyChoices(drafts, input.choices);
    // Every amount stored for the trade is at most goods + shipping + fees: one check keeps them all in range (SPEC §1).
    const charged = sum(drafts.map(({ group: g }) => g.goodsPrice + g.dispatchPrice + g.serviceFeeAmount));
    if (charged > MAX_SUM_FEN) throw new InvalidParamsError({ goods: `订单金额不能超过 ${formatYuan(MAX_SUM_FEN)} 元` });
    await this.applyCoupons(em, drafts.map((d) => d.group), input, now);
    this.applyPoints(drafts);
    this.applyBalance(drafts);
    if (options.checkAvailability) await this.checkFunds(em, drafts, member);

    const groups = drafts.map((d) => d.group);
    return {
      uid: input.uid,
      groups,
      couponIds: [...new Set(input.couponIds)],
      goodsPrice: sum(groups.map((g) => g.goodsPrice)),
      discountPrice: sum(groups.map((g) => g.discountPrice)),
      dispatchPrice: sum(groups.map((g) => g.dispatchPrice)),
      serviceFeeAmount: sum(groups.map((g) => g.serviceFeeAmount)),
      pointAmount: sum(groups.map((g) => g.pointAmount)),
      points: sum(groups.map((g) => g.points)),
      balanceAmount: sum(groups.map((g) => g.balanceAmount)),
      totalPrice: sum(groups.map((g) => g.price)),
    };
  }

  /** Lines at catalogue prices; unknown goods 40401, off sale or short of stock 42203. */
  private async priceLines(em: EntityManager, input: GoodsLineInput[], { goods, stores }: Catalog, { checkAvailability }: PricingOptions): Promise<DraftLine[]> {
    const optionIds = [...new Set(input.map((l) => l.optionId).filter((id) => id > 0))];
    const options = new Map(optionIds.length ? (await selectEntities(em, MallGoodsOption, `WHERE id IN (${placeholders(optionIds.length)})`, optionIds)).map((o) => [o.id, o]) : []);

    const wanted = new Map<string, number>();
    return input.map((line) => {
      const item = goods.get(line.goodsId);
      if (!item) throw new NotFoundError(`商品 ${line.goodsId} 不存在`);
      const option = line.optionId > 0 ? options.get(line.optionId) : undefined;
      if (line.optionId > 0 && option?.goodsId !== item.id) throw new NotFoundError(`商品 ${line.goodsId} 的规格 ${line.optionId} 不存在`);
      if (!item.onSale) throw new OutOfStockError(`商品 ${item.title} 已下架`);
      const key = `${item.id}:${line.optionId}`;
      const units = (wanted.get(key) ?? 0) + line.total;
      wanted.set(key, units);
      if (checkAvailability && units > (option ? option.stock : item.stock)) throw new OutOfStockError(`商品 ${item.title} 库存不足`);
      const price = option ? option.price : item.price;
      const goodsPrice = price * line.total;
      return {
        line: { goodsId: item.id, optionId: option ? option.id : 0, title: option ? `${item.title} ${option.title}` : item.title, price, total: line.total, goodsPrice },
        storeId: item.storeId,
        store: stores.get(item.storeId),
        pointCap: Math.floor((goodsPrice * item.maxPointDeductRatio) / 100),
      };
    });
  }

  /** One group per store, in the order the stores first appear in the request. */
  private groupByStore(lines: DraftLine[]): DraftGroup[] {
    const storeIds = [...new Set(lines.map((l) => l.storeId))];
    return storeIds.map((storeId) => {
      const store = lines.find((l) => l.storeId === storeId)!.store;
      if (!store) throw new NotFoundError(`店铺 ${storeId} 不存在`);
      const own = lines.filter((l) => l.storeId === storeId);
      const group: PricedGroup = {
        preId: preIdOf(own.map((l) => l.line.goodsId)),
        store,
        lines: own.map((l) => l.line),
        goodsPrice: sum(own.map((l) => l.line.goodsPrice)),
        dispatchPrice: store.dispatchPrice,
        discountPrice: 0,
        deductions: [],
        serviceFees: store.serviceFees.map((fee) => ({ ...fee, checked: false })),
        serviceFeeAmount: 0,
        pointAmount: 0,
        points: 0,
        balanceAmount: 0,
        price: 0,
        note: '',
      };
      return { group, pointCap: sum(own.map((l) => l.pointCap)), chosen: new Set<DeductionCode>() };
    });
  }

  /** Store coupons go to their store's group; platform coupons are split by goods price. 42202 if unusable. */
  private async applyCoupons(em: EntityManager, groups: PricedGroup[], input: PricingInput, now: Date): Promise<void> {
    const ids = [...new Set(input.couponIds)];
    if (ids.length === 0) return;
    const coupons = new Map((await selectEntities(em, MallCoupon, `WHERE id IN (${placeholders(ids.length)})`, ids)).map((c) => [c.id, c]));
    const totalGoods = sum(groups.map((g) => g.goodsPrice));
    for (const id of ids) {
      const coupon = coupons.get(id);
      // Someone else's coupon is reported like a missing one, so coupon ids reveal nothing.
      if (!coupon || coupon.uid !== input.uid) throw new CouponUnusableError(`优惠券 ${id} 不可用`);
      if (coupon.status !== MallCouponStatus.Unused) throw new CouponUnusableError(`优惠券 ${coupon.name} 已使用`);
      if (coupon.expiresAt && coupon.expiresAt.getTime() <= now.getTime()) throw new CouponUnusableError(`优惠券 ${coupon.name} 已过期`);
      if (coupon.storeId === null) {
        if (totalGoods < coupon.minPrice) throw new CouponUnusableError(`未达到优惠券 ${coupon.name} 的使用门槛`);
        splitByWeight(coupon.amount, groups.map((g) => g.goodsPrice)).forEach((share, i) => (groups[i].discountPrice += share));
      } else {
        const group = groups.find((g) => g.store.id === coupon.storeId);
        if (!group) throw new CouponUnusableError(`优惠券 ${coupon.name} 不适用于所选商品`);
        if (group.goodsPrice < coupon.minPrice) throw new CouponUnusableError(`未达到优惠券 ${coupon.name} 的使用门槛`);
        group.discountPrice += coupon.amount;
      }
    }
    // A discount never makes goods cost less than nothing; coupon value beyond that is forfeited.
    for (const group of groups) group.discountPrice = Math.min(group.discountPrice, group.goodsPrice);
  }

  /**
   * `POINTS_PER_YUAN` points buy one yuan. Only whole points are taken, and never more than the fen they
   * buy are worth. A chosen deduction takes the whole amount the goods allow; the member must hold it.
   */
  private applyPoints(drafts: DraftGroup[]): void {
    const perYuan = this.config.POINTS_PER_YUAN;
    for (const { group, pointCap, chosen } of drafts) {
      const cap = Math.min(pointCap, group.goodsPrice - group.discountPrice);
      const amount = Math.floor((Math.floor((cap * perYuan) / 100) * 100) / perYuan);
      const points = Math.floor((amount * perYuan + 99) / 100);
      const checked = chosen.has('point');
      group.deductions.push({ code: 'point', name: DEDUCTION_NAME.point, coin: points, amount, checked });
      if (checked) {
        group.pointAmount = amount;
        group.points = points;
      }
    }
  }

  /** `balance` pays everything the group still costs; the member's mall balance must cover it. */
  private applyBalance(drafts: DraftGroup[]): void {
    for (const { group, chosen } of drafts) {
      const due = group.goodsPrice - group.discountPrice - group.pointAmount + group.dispatchPrice + group.serviceFeeAmount;
      const checked = chosen.has('balance');
      group.deductions.push({ code: 'balance', name: DEDUCTION_NAME.balance, coin: due, amount: due, checked });
      group.balanceAmount = checked ? due : 0;
      group.price = due - group.balanceAmount;
    }
  }

  private async checkFunds(em: EntityManager, drafts: DraftGroup[], member: MallMember): Promise<void> {
    if (sum(drafts.map((d) => d.group.points)) > member.points) throw new InsufficientFundsError('积分不足');
    const balance = sum(drafts.map((d) => d.group.balanceAmount));
    if (balance > 0 && balance > (await this.wallets.balanceOf(em, { ownerType: 'mall_member', ownerId: String(member.uid) }))) {
      throw new InsufficientFundsError('余额不足');
    }
  }
}

interface Catalog {
  member: MallMember;
  goods: Map<number, MallGoods>;
  stores: Map<number, MallStore>;
}

/**
 * The member with the requested goods and their stores, in one round trip (plain SQL, database/sql.ts): one row
 * per goods found, or one row with NULL goods when none is. Undefined when the member does not exist or the app
 * does not serve it: the one query answers both alike, so no app learns whether another app's member exists.
 */
async function readCatalog(em: EntityManager, appId: string, input: PricingInput): Promise<Catalog | undefined> {
  const goodsIds = [...new Set(input.goods.map((l) => l.goodsId))];
  const goodsJoin = goodsIds.length ? `g.id IN (${placeholders(goodsIds.length)})` : '1 = 0';
  const rows = await select<Record<string, unknown>>(
    em,
    `SELECT ${columnsAs(em, MallMember, 'm')}, ${columnsAs(em, MallGoods, 'g')}, ${columnsAs(em, MallStore, 's')}` +
      ` FROM mall_members m JOIN mall_member_apps ma ON ma.uid = m.uid AND ma.app_id = ?` +
      ` LEFT JOIN mall_goods g ON ${goodsJoin} LEFT JOIN mall_stores s ON s.id = g.store_id WHERE m.uid = ?`,
    [appId, ...goodsIds, input.uid],
  );
  if (rows.length === 0) return undefined;
  const goods = new Map<number, MallGoods>();
  const stores = new Map<number, MallStore>();
  for (const row of rows) {
    const item = hydrateAs(em, MallGoods, 'g', row);
    if (item) goods.set(item.id, item);
    const store = hydrateAs(em, MallStore, 's', row);
    if (store) stores.set(store.id, store);
  }
  return { member: hydrateAs(em, MallMember, 'm', rows[0])!, goods, stores };
}

interface DraftLine {
  line: PricedLine;
  storeId: number;
  /** Undefined when the goods' store does not exist (40401 when grouping). */
  store: MallStore | undefined;
  pointCap: Fen;
}

interface DraftGroup {
  group: PricedGroup;
  /** Sum of the lines' `max_point_deduct_ratio` caps. */
  pointCap: Fen;
  chosen: Set<DeductionCode>;
}

/** `orders[]` entries name groups by `pre_id`; one that names no group is 40001. */
function applyChoices(drafts: DraftGroup[], choices: GroupChoiceInput[]): void {
  const seen = new Set<string>();
  for (const choice of choices) {
    const preId = choice.preId.toLowerCase();
    const draft = drafts.find((d) => d.group.preId === preId);
    if (!draft) throw new InvalidParamsError({ orders: `pre_id ${choice.preId} 不匹配任何订单` });
    if (seen.has(preId)) throw new InvalidParamsError({ orders: `pre_id ${choice.preId} 重复` });
    seen.add(preId);
    for (const code of new Set(choice.serviceFeeCodes)) {
      const fee = draft.group.serviceFees.find((f) => f.code === code);
      if (!fee) throw new InvalidParamsError({ orders: `服务费 ${code} 不可用` });
      fee.checked = true;
    }
    draft.group.serviceFeeAmount = sum(draft.group.serviceFees.filter((f) => f.checked).map((f) => f.amount));
    draft.group.note = choice.note;
    draft.chosen = new Set(choice.deductionIds);
  }
}
