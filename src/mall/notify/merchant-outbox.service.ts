import { Injectable } from '@nestjs/common';
import { EntityManager, LessThanOrEqual } from 'typeorm';
import { hexId } from '../../common/ids';
import { mallSign } from '../../common/signature/mall-signature';
import { AppLogger } from '../../common/http/app-logger';
import { AppConfig } from '../../config/app-config';
import { affectedRows } from '../../database/db-errors';
import { MallApp } from '../../database/entities/mall/mall-app.entity';
import {
  MallMerchantNotification,
  MerchantEvent,
  MerchantEventPayload,
  MerchantNotificationStatus,
} from '../../database/entities/mall/mall-merchant-notification.entity';
import { TransactionService } from '../../database/transaction.service';
import { MERCHANT_NOTIFICATION_LIFECYCLE } from './merchant-notification-status';

const MINUTE = 60_000;
/** If a worker dies during its final attempt, another may try again after this. */
const FINAL_ATTEMPT_LEASE_MS = 10 * MINUTE;
const HTTP_TIMEOUT_MS = 5_000;
/**
 * No other worker takes the next attempt before this, even when the retry delay is shorter: an attempt may take the
 * HTTP timeout, and a second one beside it would only send the event twice at once.
 */
const ATTEMPT_LEASE_MS = HTTP_TIMEOUT_MS + 5_000;
const BATCH = 20;

export interface DeliveryReport {
  delivered: number;
  retrying: number;
  failed: number;
}

interface Claimed {
  row: MallMerchantNotification;
  attempt: number;
  claimedAt: Date;
}

/**
 * Merchant notifications (SPEC §6) through an outbox. `enqueue` writes in the caller's transaction, so an
 * event exists exactly when its change committed, with its `notify_id`. `deliverDue` claims due rows with a
 * conditional update (one attempt, one worker, on any number of instances), then POSTs outside any transaction.
 * Delivery is at least once: a worker that dies while the merchant answers leaves the row to the next attempt, which
 * sends the same `notify_id` (with a fresh `timestamp` and `nonce`), so the merchant can tell it has seen the event.
 */
@Injectable()
export class MerchantOutbox {
  /** Wait before each retry (`MERCHANT_NOTIFY_RETRY_SECONDS`, SPEC §6); after the last one fails the notification is `failed`. */
  readonly retryDelaysMs: number[];

  constructor(
    private readonly tx: TransactionService,
    private readonly logger: AppLogger,
    config: AppConfig,
  ) {
    this.retryDelaysMs = config.merchantNotifyRetrySeconds.map((seconds) => seconds * 1000);
  }

  private get maxAttempts(): number {
    return this.retryDelaysMs.length + 1;
  }

  /** Queues an event for the app; apps without a `notify_url` have asked for none. */
  async enqueue(em: EntityManager, appId: string, event: MerchantEvent, payload: MerchantEventPayload, now: Date): Promise<void> {
    const app = await em.findOne(MallApp, { where: { appId }, select: { appId: true, notifyUrl: true } });
    if (!app?.notifyUrl) return;
    await em.insert(MallMerchantNotification, {
      notifyId: hexId(),
      appId,
      event,
      payload,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      lastError: '',
      createdAt: now,
      updatedAt: now,
      deliveredAt: null,
    });
  }

  async deliverDue(now = new Date()): Promise<DeliveryReport> {
    const due = await this.tx.manager.find(MallMerchantNotification, {
      where: { status: 'pending', nextAttemptAt: LessThanOrEqual(now) },
      order: { nextAttemptAt: 'ASC', id: 'ASC' },
      take: BATCH,
    });
    const claimed = (await Promise.all(due.map((row) => this.claim(row, now)))).filter((c): c is Claimed => c !== null);
    const outcomes = await Promise.all(claimed.map((c) => this.attempt(c)));
    return {
      delivered: outcomes.filter((o) => o === 'delivered').length,
      retrying: outcomes.filter((o) => o === 'pending').length,
      failed: outcomes.filter((o) => o === 'failed').length,
    };
  }

  list(status: MerchantNotificationStatus | undefined, page: number, pageSize: number): Promise<[MallMerchantNotification[], number]> {
    return this.tx.manager.findAndCount(MallMerchantNotification, {
      where: status ? { status } : {},
      order: { id: 'DESC' },
      skip: (page - 1) * pageSize,
      take: pageSize,
    });
  }

  /**
   * Takes one attempt of a row: `attempts` must still be what we read, so of several workers exactly one
   * wins. The next attempt time is set now, so a worker that dies mid-call leaves the row to be retried: after the
   * retry delay, or ATTEMPT_LEASE_MS if that is longer (the attempt may still be running elsewhere until then).
   */
  private async claim(row: MallMerchantNotification, now: Date): Promise<Claimed | null> {
    const attempt = row.attempts + 1;
    const retryAt = new Date(now.getTime() + Math.max(this.retryDelaysMs[attempt - 1] ?? FINAL_ATTEMPT_LEASE_MS, ATTEMPT_LEASE_MS));
    const result = await this.tx.run((em) =>
      em.update(
        MallMerchantNotification,
        { id: row.id, status: 'pending', attempts: row.attempts, nextAttemptAt: LessThanOrEqual(now) },
        { attempts: attempt, nextAttemptAt: retryAt, updatedAt: now },
      ),
    );
    return affectedRows(result) === 1 ? { row, attempt, claimedAt: now } : null;
  }

  private async attempt({ row, attempt, claimedAt }: Claimed): Promise<MerchantNotificationStatus> {
    const error = await this.post(row);
    const status: MerchantNotificationStatus = error === null ? 'delivered' : attempt >= this.maxAttempts ? 'failed' : 'pending';
    await this.tx.run((em) =>
      MERCHANT_NOTIFICATION_LIFECYCLE.transitionAll(em, { id: row.id, attempts: attempt }, 'pending', status, {
        // the attempt is over: the schedule counts from its start, without the lease
        ...(status === 'pending' ? { nextAttemptAt: new Date(claimedAt.getTime() + this.retryDelaysMs[attempt - 1]) } : {}),
        lastError: (error ?? '').slice(0, 512),
        deliveredAt: error === null ? new Date() : null,
        updatedAt: new Date(),
      }),
    );
    if (status === 'failed') this.logger.warn('merchant notification failed for good', { notification_id: row.id, notify_id: row.notifyId, app_id: row.appId, event: row.event, error });
    return status;
  }

  /** POSTs the signed form; null when the merchant answered `success`, otherwise why not. */
  private async post(row: MallMerchantNotification): Promise<string | null> {
    const app = await this.tx.manager.findOne(MallApp, { where: { appId: row.appId }, select: { appId: true, secret: true, notifyUrl: true } });
    if (!app?.notifyUrl) return 'app has no notify_url';
    const params: Record<string, string> = {
      app_id: app.appId,
      event: row.event,
      outside_sn: row.payload.outside_sn,
      trade_sn: row.payload.trade_sn,
      order_sn: row.payload.order_sn,
      status: String(row.payload.status),
      notify_id: row.notifyId,
      timestamp: String(Math.floor(Date.now() / 1000)),
      nonce: hexId(),
    };
    const body = new URLSearchParams({ ...params, sign: mallSign(params, app.secret) });
    try {
      const res = await fetch(app.notifyUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      const text = (await res.text()).trim();
      if (res.ok && text === 'success') return null;
      return `HTTP ${res.status}: ${text.slice(0, 200)}`;
    } catch (error) {
      return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }
}
