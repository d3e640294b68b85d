import { Injectable } from '@nestjs/common';
import { EntityManager, In, IsNull, MoreThan, Or } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { ConflictError, CouponUnusableError, IllegalStateError, InsufficientFundsError, InvalidParamsError, NotFoundError, OutOfStockError } from '../common/errors/app-error';
import { sha256Hex } from '../common/signature/hash';
import { isUniqueViolation } from '../database/db-errors';
import { insertUnderFreshNumber } from '../common/fresh-number';
import { ClaimTakenError, RequestClaim, Verdict } from '../common/idempotency/request-claim';
import { execute, executeOne, insertReturningId, insertRows, placeholders, select } from '../database/sql';
import { MallCouponStatus } from '../database/entities/mall/mall-coupon.entity';
import { MallAddressSnapshot, MallInvoiceSnapshot, MallOrder, MallOrderStatus } from '../database/entities/mall/mall-order.entity';
import { MallOrderGoods } from '../database/entities/mall/mall-order-goods.entity';
import { MallTrade, MallTradeStatus } from '../database/entities/mall/mall-trade.entity';
import { TransactionService } from '../database/transaction.service';
import { WalletService } from '../payments/wallet/wallet.service';
import { ClosedTradeDto, CreateOrderDataDto, PreOrderDataDto, TradeViewDto } from './dto/mall-order-responses.dto';
import { MallAddressDto, CreateOrderDto, OrderLookupDto, OrderParamsDto } from './dto/mall-order-params.dto';
import { newOrderSn, newTradeSn } from './order-sn';
import { OrderPricingService, Pricing, PricingInput } from './pricing/order-pricing.service';
import { MALL_COUPON_LIFECYCLE } from './trade/mall-coupon-status';
import { MallTradeLifecycle } from './trade/mall-trade-lifecycle.service';
import { MallTradeViews } from './trade/mall-trade-views';

/** `/order/create` after normalisation: what the request hash covers, whatever the encoding. */
interface CreateInput extends PricingInput {
  outsideSn: string;
  address: MallAddressSnapshot;
  invoice: MallInvoiceSnapshot | null;
  diyforms: Array<{ preId: string; diyformDataId: number }>;
}

/** A fresh trade_sn or order_sn colliding is astronomically rare; a few retries make it impossible. */
const MAX_NUMBER_ATTEMPTS = 4;

/** The `(app_id, outside_sn)` index refused the trade (its name, and SQLite's column list, both say `outside_sn`). */
function isOutsideSnTaken(error: unknown): boolean {
  return isUniqueViolation(error) && /outside_sn/.test((error as Error).message);
}

/** The mall open API (SPEC §5): pre-order, create, detail, close. */
@Injectable()
export class MallOrderService {
  constructor(
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly pricing: OrderPricingService,
    private readonly wallets: WalletService,
    private readonly lifecycle: MallTradeLifecycle,
    private readonly views: MallTradeViews,
  ) {}

  /** Prices the request as `/order/create` would; writes nothing. */
  async pre(appId: string, dto: OrderParamsDto): Promise<PreOrderDataDto> {
    const pricing = await this.pricing.price(this.tx.manager, appId, pricingInputOf(dto), new Date(), { checkAvailability: true });
    return this.views.pre(pricing);
  }

  /**
   * One transaction: pricing, the trade row (its unique `(app_id, outside_sn)` is the idempotency claim),
   * reservations by conditional updates, orders. A duplicate `outside_sn` surfaces as a unique violation, or, on
   * a retry after the first commit, as what the first took (a used coupon, spent points, stock): either way the
   * idempotency interceptor judges the request, with the trade under that `outside_sn` as the rule of this route
   * (answered as first created, or the reuse refused).
   */
  async create(appId: string, dto: CreateOrderDto, claim: RequestClaim): Promise<CreateOrderDataDto> {
    const input = createInputOf(dto);
    const requestHash = sha256Hex(JSON.stringify(input));
    claim.alsoRecognizedBy(() => this.createdBefore(appId, input.outsideSn, requestHash));
    try {
      return await insertUnderFreshNumber(() => this.tx.run((em) => this.createIn(em, appId, input, requestHash), claim), { attempts: MAX_NUMBER_ATTEMPTS, numberTaken: (error) => isUniqueViolation(error) && !isOutsideSnTaken(error) });
    } catch (error) {
      if (isOutsideSnTaken(error)) throw new ClaimTakenError();
      throw error;
    }
  }

  /** The `outside_sn` rule: the trade created under it answers a request with the same parameters, and refuses others. */
  private async createdBefore(appId: string, outsideSn: string, requestHash: string): Promise<Verdict> {
    const existing = await this.tx.manager.findOneBy(MallTrade, { appId, outsideSn });
    if (!existing) return { kind: 'new' };
    if (existing.requestHash !== requestHash) return { kind: 'refuse', error: new ConflictError('outside_sn 已用于不同的请求') };
    return { kind: 'replay', outcome: { ok: true, data: await this.views.createdAgain(this.tx.manager, existing) } };
  }

  async detail(appId: string, dto: OrderLookupDto): Promise<TradeViewDto> {
    if (!dto.outside_sn && !dto.trade_sn) throw new InvalidParamsError({ outside_sn: 'outside_sn 或 trade_sn 必须提供一个' });
    const trade = await this.tx.manager.findOneBy(MallTrade, dto.outside_sn ? { appId, outsideSn: dto.outside_sn } : { appId, tradeSn: dto.trade_sn });
    if (!trade || (dto.trade_sn && trade.tradeSn !== dto.trade_sn)) throw new NotFoundError('订单不存在');
    return this.views.trade(this.tx.manager, trade);
  }

  /** Closes an unpaid trade once its Alipay payment is reconciled (SPEC §6): paid there → settled, and the close is 42204. */
  async close(appId: string, outsideSn: string, claim?: RequestClaim): Promise<ClosedTradeDto> {
    const found = await this.tx.manager.findOneBy(MallTrade, { appId, outsideSn });
    if (!found) throw new NotFoundError('订单不存在');
    if (found.status === MallTradeStatus.AwaitingPayment && (await this.lifecycle.reconcileBeforeClose(found)) === 'paid') {
      throw new IllegalStateError('订单已支付，不能关闭');
    }
    return this.tx.run(async (em) => {
      const trade = await em.findOneByOrFail(MallTrade, { id: found.id });
      await this.lifecycle.close(em, trade, new Date());
      return { outside_sn: trade.outsideSn, trade_sn: trade.tradeSn, status: MallTradeStatus.Closed };
    }, claim);
  }

  private async createIn(em: EntityManager, appId: string, input: CreateInput, requestHash: string): Promise<CreateOrderDataDto> {
    const now = new Date();
    const tz = this.config.APP_TIMEZONE;
    const pricing = await this.pricing.price(em, appId, input, now, { checkAvailability: false });
    for (const form of input.diyforms) {
      if (!pricing.groups.some((g) => g.preId === form.preId)) throw new InvalidParamsError({ order_goods: `pre_id ${form.preId} 不匹配任何订单` });
    }
    // Plain SQL throughout (database/sql.ts): every value is set here, nothing is read back but ids. The trade with
    // its totals, the reservations, all orders in one INSERT, their ids in one SELECT by trade, all lines in one
    // INSERT: a fixed number of statements whatever the size.
    const trade: MallTrade = {
      id: 0,
      tradeSn: newTradeSn(now, tz),
      appId,
      outsideSn: input.outsideSn,
      uid: input.uid,
      goodsPrice: pricing.goodsPrice,
      discountPrice: pricing.discountPrice,
      dispatchPrice: pricing.dispatchPrice,
      serviceFeeAmount: pricing.serviceFeeAmount,
      pointAmount: pricing.pointAmount,
      points: pricing.points,
      balanceAmount: pricing.balanceAmount,
      totalPrice: pricing.totalPrice,
      status: MallTradeStatus.AwaitingPayment,
      requestHash,
      response: null,
      createdAt: now,
      updatedAt: now,
      paidAt: null,
      closedAt: null,
    };
    trade.id = await insertReturningId(em, MallTrade, trade);
    await this.reserve(em, trade, pricing, now);
    const rows: MallOrder[] = pricing.groups.map((group) => ({
      id: 0,
      orderSn: newOrderSn(now, tz),
      tradeId: trade.id,
      uid: input.uid,
      storeId: group.store.id,
      preId: group.preId,
      goodsPrice: group.goodsPrice,
      dispatchPrice: group.dispatchPrice,
      discountPrice: group.discountPrice,
      pointAmount: group.pointAmount,
      points: group.points,
      balanceAmount: group.balanceAmount,
      serviceFeeAmount: group.serviceFeeAmount,
      serviceFees: group.serviceFees.filter((f) => f.checked).map(({ code, name, amount }) => ({ code, name, amount })),
      price: group.price,
      refundPrice: 0,
      statusBeforeRefund: null,
      status: MallOrderStatus.AwaitingPayment,
      note: group.note,
      address: input.address,
      invoice: input.invoice,
      expressName: '',
      expressNumber: '',
      createdAt: now,
      updatedAt: now,
      paidAt: null,
      shippedAt: null,
      closedAt: null,
    }));
    await insertRows(em, MallOrder, ...rows);
    const ids = new Map((await select<{ id: number; order_sn: string }>(em, 'SELECT id, order_sn FROM mall_orders WHERE trade_id = ?', [trade.id])).map((r) => [r.order_sn, Number(r.id)]));
    const lines: MallOrderGoods[] = [];
    pricing.groups.forEach((group, i) => {
      const row = rows[i];
      const orderId = ids.get(row.orderSn);
      if (orderId === undefined) throw new Error(`mall order ${row.orderSn} not found after insert`);
      row.id = orderId;
      const diyformDataId = input.diyforms.find((d) => d.preId === group.preId)?.diyformDataId ?? 0;
      for (const line of group.lines) lines.push({ id: 0, orderId, ...line, diyformDataId });
    });
    await insertRows(em, MallOrderGoods, ...lines);

    // Coupons, points and balance may cover everything: nothing is left to collect.
    if (pricing.totalPrice === 0) await this.lifecycle.markPaid(em, trade, now);
    return this.views.created(trade, rows);
  }

  /**
   * Takes what the trade uses, each with a conditional update checked as it runs; any shortfall throws and the
   * transaction rolls back everything. Rows are taken in one fixed order (coupons, member, wallet, goods by id) so
   * concurrent creates lock alike instead of deadlocking.
   */
  private async reserve(em: EntityManager, trade: MallTrade, pricing: Pricing, now: Date): Promise<void> {
    if (pricing.couponIds.length > 0) {
      const where = { id: In(pricing.couponIds), uid: trade.uid, expiresAt: Or(IsNull(), MoreThan(now)) };
      const used = await MALL_COUPON_LIFECYCLE.transitionAll(em, where, MallCouponStatus.Unused, MallCouponStatus.Used, { tradeSn: trade.tradeSn, usedAt: now });
      if (used !== pricing.couponIds.length) throw new CouponUnusableError('优惠券已被使用');
    }

    if (pricing.points > 0) {
      await executeOne(em, 'UPDATE mall_members SET points = points - ? WHERE uid = ? AND points >= ?', [pricing.points, trade.uid, pricing.points], () => new InsufficientFundsError('积分不足'));
    }

    if (pricing.balanceAmount > 0) {
      await this.wallets.debit(em, {
        ownerType: 'mall_member',
        ownerId: String(trade.uid),
        amount: pricing.balanceAmount,
        bizType: 'mall_trade_deduct',
        bizNo: trade.tradeSn,
        remark: `商城订单余额抵扣 ${trade.tradeSn}`,
      });
    }

    // One conditional UPDATE per run of goods (or of options) in the id order, so rows still lock in that order.
    for (const run of runsByTable(unitsByGoods(pricing))) await takeStock(em, run);
  }
}

type Take = { goodsId: number; optionId: number; title: string; units: number };

/** Consecutive takes from the same table (goods without option, or options). */
function runsByTable(takes: Take[]): Take[][] {
  const runs: Take[][] = [];
  for (const take of takes) {
    const last = runs[runs.length - 1];
    if (last && last[0].optionId > 0 === take.optionId > 0) last.push(take);
    else runs.push([take]);
  }
  return runs;
}

/**
 * Takes the units of every row of the run in one statement, each row only if its stock covers it (and the
 * goods is on sale, or the option belongs to the goods): all rows must change, else 42203 and the caller's
 * transaction rolls back what this statement took.
 */
async function takeStock(em: EntityManager, run: Take[]): Promise<void> {
  const options = run[0].optionId > 0;
  const changed = await execute(em, ...takeStatement(run, options));
  if (changed !== run.length) throw new OutOfStockError(`商品 ${(run.length === 1 ? run[0] : await shortOf(em, run, options)).title} 库存不足`);
}

/** The UPDATE that takes a run's units: one row by id, or several with the units per id in a CASE. */
function takeStatement(run: Take[], options: boolean): [string, unknown[]] {
  if (run.length === 1) {
    const [take] = run;
    return options
      ? ['UPDATE mall_goods_options SET stock = stock - ? WHERE id = ? AND goods_id = ? AND stock >= ?', [take.units, take.optionId, take.goodsId, take.units]]
      : ['UPDATE mall_goods SET stock = stock - ? WHERE id = ? AND on_sale = ? AND stock >= ?', [take.units, take.goodsId, true, take.units]];
  }
  const idOf = (t: Take) => (options ? t.optionId : t.goodsId);
  const units = `CASE id ${run.map(() => 'WHEN ? THEN ?').join(' ')} END`;
  const unitParams = run.flatMap((t) => [idOf(t), t.units]);
  const ids = run.map(idOf);
  return options
    ? [
        `UPDATE mall_goods_options SET stock = stock - ${units} WHERE id IN (${placeholders(run.length)}) AND goods_id = CASE id ${run.map(() => 'WHEN ? THEN ?').join(' ')} END AND stock >= ${units}`,
        [...unitParams, ...ids, ...run.flatMap((t) => [t.optionId, t.goodsId]), ...unitParams],
      ]
    : [`UPDATE mall_goods SET stock = stock - ${units} WHERE id IN (${placeholders(run.length)}) AND on_sale = ? AND stock >= ${units}`, [...unitParams, ...ids, true, ...unitParams]];
}

/**
 * Which take of a failed run was short, for the message only (the transaction rolls back anyway): the first,
 * in id order, whose row now holds fewer units than it wanted, is off sale or gone.
 */
async function shortOf(em: EntityManager, run: Take[], options: boolean): Promise<Take> {
  const rows = options
    ? await select<{ id: number; stock: number; ok: number }>(em, `SELECT id, stock, 1 AS ok FROM mall_goods_options WHERE id IN (${placeholders(run.length)})`, run.map((t) => t.optionId))
    : await select<{ id: number; stock: number; ok: number }>(em, `SELECT id, stock, on_sale AS ok FROM mall_goods WHERE id IN (${placeholders(run.length)})`, run.map((t) => t.goodsId));
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  return run.find((t) => {
    const row = byId.get(options ? t.optionId : t.goodsId);
    return !row || !Number(row.ok) || Number(row.stock) < t.units;
  }) ?? run[0];
}

/** Units per goods (and option) across all groups, in id order. */
function unitsByGoods(pricing: Pricing): Take[] {
  const units = new Map<string, Take>();
  for (const line of pricing.groups.flatMap((g) => g.lines)) {
    const key = `${line.goodsId}:${line.optionId}`;
    const entry = units.get(key) ?? { goodsId: line.goodsId, optionId: line.optionId, title: line.title, units: 0 };
    entry.units += line.total;
    units.set(key, entry);
  }
  return [...units.values()].sort((a, b) => a.goodsId - b.goodsId || a.optionId - b.optionId);
}

function pricingInputOf(dto: OrderParamsDto): PricingInput {
  return {
    uid: dto.uid,
    goods: dto.goods.map((g) => ({ goodsId: g.goods_id, optionId: g.option_id ?? 0, total: g.total })),
    couponIds: [...new Set(dto.member_coupon_ids ?? [])].sort((a, b) => a - b),
    choices: (dto.orders ?? [])
      .map((o) => ({
        preId: o.pre_id.toLowerCase(),
        deductionIds: [...new Set(o.deduction_ids ?? [])].sort(),
        serviceFeeCodes: [...new Set(o.service_fee ?? [])].sort(),
        note: o.note ?? '',
      }))
      .sort((a, b) => (a.preId < b.preId ? -1 : a.preId > b.preId ? 1 : 0)),
  };
}

function addressOf(dto: MallAddressDto): MallAddressSnapshot {
  return { mobile: dto.mobile, username: dto.username, province: dto.province, city: dto.city, district: dto.district, street: dto.street ?? '', address: dto.address };
}

function createInputOf(dto: CreateOrderDto): CreateInput {
  const companyNumber = dto.company_number ?? dto.ncompany_numberote;
  const hasInvoice = [dto.invoice_type, dto.rise_type, dto.call, companyNumber].some((v) => v !== undefined);
  return {
    outsideSn: dto.outside_sn,
    ...pricingInputOf(dto),
    address: addressOf(dto.address),
    invoice: hasInvoice
      ? { invoice_type: dto.invoice_type ?? 0, rise_type: dto.rise_type ?? 0, call: dto.call ?? '', company_number: companyNumber ?? '' }
      : null,
    diyforms: (dto.order_goods ?? [])
      .map((g) => ({ preId: g.pre_id.toLowerCase(), diyformDataId: g.diyform_data_id }))
      .sort((a, b) => (a.preId < b.preId ? -1 : a.preId > b.preId ? 1 : 0)),
  };
}
