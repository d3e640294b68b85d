import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ConflictError, InvalidParamsError, NotFoundError } from '../../common/errors/app-error';
import { fenToYuan, yuanToFen } from '../../common/money';
import { hexId } from '../../common/ids';
import { formatWireTime, parseWireTime } from '../../common/time';
import { AppConfig } from '../../config/app-config';
import { isUniqueViolation } from '../../database/db-errors';
import { GiftPack } from '../../database/entities/partner/gift-pack.entity';
import { PartnerAddress } from '../../database/entities/partner/partner-address.entity';
import { PartnerCoupon } from '../../database/entities/partner/partner-coupon.entity';
import { PartnerLevel } from '../../database/entities/partner/partner-level.entity';
import { PartnerOrder } from '../../database/entities/partner/partner-order.entity';
import { PartnerUser } from '../../database/entities/partner/partner-user.entity';
import { TransactionService } from '../../database/transaction.service';
import { WalletService } from '../../payments/wallet/wallet.service';
import { OrderListResultDto, OrderResultDto } from '../dto/order-info.dto';
import { toOrderInfo } from '../order-info';
import { OrderStatus, transition } from '../order-status';
import {
  PartnerAddressDto,
  AdjustBalanceDto,
  AdminUserDto,
  CouponDto,
  CreateAddressDto,
  CreateCouponDto,
  CreateGiftPackDto,
  CreateLevelDto,
  CreateUserDto,
  GiftPackDto,
  LevelDto,
  ShipOrderDto,
} from './partner-admin.dto';

/** Operators' side of the partner module (SPEC §7): catalogue, users, wallets, coupons, shipping. */
@Injectable()
export class PartnerAdminService {
  constructor(
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly wallets: WalletService,
  ) {}

  async createUser(dto: CreateUserDto): Promise<AdminUserDto> {
    return this.tx.run(async (em) => {
      if (dto.level_id) await this.requireLevel(em, dto.level_id);
      const user = em.create(PartnerUser, {
        id: dto.id ?? hexId(),
        phone: dto.phone,
        realName: dto.real_name,
        idNo: dto.id_no ?? '',
        levelId: dto.level_id ?? null,
        score: 0,
        createdAt: new Date(),
      });
      await insertOrConflict(em, PartnerUser, user, '用户已存在');
      await this.wallets.open(em, { ownerType: 'partner_user', ownerId: user.id });
      return this.userView(em, user.id);
    });
  }

  getUser(id: string): Promise<AdminUserDto> {
    return this.userView(this.tx.manager, id);
  }

  /** An operator's credit or deduction: one ledger row under its own business number; never below zero (42201). */
  async adjustBalance(id: string, dto: AdjustBalanceDto): Promise<AdminUserDto> {
    const delta = yuanToFen(dto.amount)!;
    return this.tx.run(async (em) => {
      await this.requireUser(em, id);
      await this.wallets.adjust(em, { ownerType: 'partner_user', ownerId: id, delta, bizType: 'admin_adjust', bizNo: `admin-${hexId()}`, remark: dto.remark });
      return this.userView(em, id);
    });
  }

  async addAddress(userId: string, dto: CreateAddressDto): Promise<PartnerAddressDto> {
    return this.tx.run(async (em) => {
      await this.requireUser(em, userId);
      const address = em.create(PartnerAddress, {
        userId,
        name: dto.name,
        phone: dto.phone,
        province: dto.province,
        city: dto.city,
        district: dto.district ?? '',
        detail: dto.detail,
        createdAt: new Date(),
      });
      await em.insert(PartnerAddress, address);
      return {
        id: address.id,
        user_id: address.userId,
        name: address.name,
        phone: address.phone,
        province: address.province,
        city: address.city,
        district: address.district,
        detail: address.detail,
      };
    });
  }

  async createLevel(dto: CreateLevelDto): Promise<LevelDto> {
    await this.tx.run((em) => insertOrConflict(em, PartnerLevel, { id: dto.id, name: dto.name, rank: dto.rank }, '等级已存在'));
    return { id: dto.id, name: dto.name, rank: dto.rank };
  }

  async createGiftPack(dto: CreateGiftPackDto): Promise<GiftPackDto> {
    return this.tx.run(async (em) => {
      if (dto.level_id) await this.requireLevel(em, dto.level_id);
      const pack = em.create(GiftPack, {
        id: dto.id ?? hexId(),
        title: dto.title,
        price: yuanToFen(dto.price)!,
        levelId: dto.level_id ?? null,
        score: dto.score ?? 0,
        stock: dto.stock ?? null,
        onSale: dto.on_sale ?? true,
        createdAt: new Date(),
      });
      await insertOrConflict(em, GiftPack, pack, '礼包已存在');
      return {
        id: pack.id,
        title: pack.title,
        price: fenToYuan(pack.price),
        level_id: pack.levelId ?? '',
        score: pack.score,
        stock: pack.stock ?? -1,
        on_sale: pack.onSale,
      };
    });
  }

  async createCoupon(dto: CreateCouponDto): Promise<CouponDto> {
    const expiresAt = dto.expires_at ? parseWireTime(dto.expires_at, this.config.APP_TIMEZONE) : null;
    if (dto.expires_at && !expiresAt) throw new InvalidParamsError({ expires_at: 'expires_at 不是有效的时间' });
    return this.tx.run(async (em) => {
      await this.requireUser(em, dto.user_id);
      const coupon = em.create(PartnerCoupon, {
        id: hexId(),
        userId: dto.user_id,
        title: dto.title,
        amount: yuanToFen(dto.amount)!,
        minPrice: dto.min_price === undefined ? 0 : yuanToFen(dto.min_price)!,
        expiresAt,
        status: 'unused',
        orderNo: '',
        createdAt: new Date(),
      });
      await em.insert(PartnerCoupon, coupon);
      return {
        id: coupon.id,
        user_id: coupon.userId,
        title: coupon.title,
        amount: fenToYuan(coupon.amount),
        min_price: fenToYuan(coupon.minPrice),
        expires_at: formatWireTime(coupon.expiresAt, this.config.APP_TIMEZONE),
        status: coupon.status,
        order_no: coupon.orderNo,
      };
    });
  }

  async listOrders(query: { status?: number; page: number; pageSize: number }): Promise<OrderListResultDto> {
    const [orders, total] = await this.tx.manager.findAndCount(PartnerOrder, {
      where: query.status === undefined ? {} : { orderStatus: query.status },
      order: { createdAt: 'DESC', orderNo: 'DESC' },
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
    });
    return { list: orders.map((o) => toOrderInfo(o, this.config.APP_TIMEZONE)), total, page: query.page, page_size: query.pageSize };
  }

  /** 1 → 2 with the carrier's details. */
  async ship(orderNo: string, dto: ShipOrderDto): Promise<OrderResultDto> {
    const order = await this.tx.run(async (em) => {
      const found = await em.findOneBy(PartnerOrder, { orderNo });
      if (!found) throw new NotFoundError('订单不存在');
      await transition(em, orderNo, found.orderStatus, OrderStatus.Shipped, {
        expressName: dto.express_name,
        expressNumber: dto.express_number,
        expressNo: dto.express_no ?? '',
        expressAddress: dto.express_address ?? '',
        platformRemark: dto.platform_remark ?? found.platformRemark,
        shippedAt: new Date(),
      });
      return em.findOneByOrFail(PartnerOrder, { orderNo });
    });
    return { order_info: toOrderInfo(order, this.config.APP_TIMEZONE) };
  }

  private async userView(em: EntityManager, id: string): Promise<AdminUserDto> {
    const user = await this.requireUser(em, id);
    const balance = await this.wallets.balanceOf(em, { ownerType: 'partner_user', ownerId: id });
    return {
      id: user.id,
      phone: user.phone,
      real_name: user.realName,
      id_no: user.idNo,
      level_id: user.levelId ?? '',
      score: user.score,
      balance: fenToYuan(balance),
    };
  }

  private async requireUser(em: EntityManager, id: string): Promise<PartnerUser> {
    const user = await em.findOneBy(PartnerUser, { id });
    if (!user) throw new NotFoundError('用户不存在');
    return user;
  }

  private async requireLevel(em: EntityManager, id: string): Promise<void> {
    if (!(await em.existsBy(PartnerLevel, { id }))) throw new NotFoundError('等级不存在');
  }
}

/** Insert under the primary key; a taken id is 40901, never a check-then-insert. */
async function insertOrConflict<T extends object>(em: EntityManager, entity: new () => T, row: T, message: string): Promise<void> {
  try {
    await em.insert(entity, row as never);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(message);
    throw error;
  }
}
