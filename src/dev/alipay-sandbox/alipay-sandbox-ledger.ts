import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Fen } from '../../common/money';

export type SandboxTradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';

export interface SandboxTrade {
  outTradeNo: string;
  tradeNo: string;
  status: SandboxTradeStatus;
  totalAmount: Fen;
  refundedAmount: Fen;
  /** ISO time of the payment; `''` while unpaid. */
  paidAt: string;
}

export interface SandboxRefund {
  outTradeNo: string;
  outRequestNo: string;
  amount: Fen;
  createdAt: string;
}

/** Alipay's business refusals the sandbox plays (`sub_code` of a 40004 answer). */
export type SandboxRefusal = 'ACQ.TRADE_NOT_EXIST' | 'ACQ.TRADE_STATUS_ERROR' | 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL' | 'ACQ.TRADE_HAS_CLOSE';

export type SandboxRefundResult = { ok: true; trade: SandboxTrade; fundChange: 'Y' | 'N'; refund: SandboxRefund } | { ok: false; refusal: SandboxRefusal };

/**
 * What the Alipay sandbox remembers of each trade: its status, what was refunded, each refund by its
 * `out_request_no`, and the faults it was told to play. Kept in an SQLite file of its own under the data directory,
 * so every service instance on that directory (tests, `bench --instances`) sees one Alipay, and so that no
 * dev-only table enters the service's schema. Every change is one immediate SQLite transaction: two instances
 * refunding the same `out_request_no` at once refund it once.
 */
export class AlipaySandboxLedger {
  private readonly db: Database.Database;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS trades (
        out_trade_no TEXT PRIMARY KEY, trade_no TEXT NOT NULL, status TEXT NOT NULL,
        total_amount INTEGER NOT NULL, refunded_amount INTEGER NOT NULL DEFAULT 0, paid_at TEXT NOT NULL DEFAULT '');
      CREATE TABLE IF NOT EXISTS refunds (
        out_trade_no TEXT NOT NULL, out_request_no TEXT NOT NULL, amount INTEGER NOT NULL, created_at TEXT NOT NULL,
        PRIMARY KEY (out_trade_no, out_request_no));
      CREATE TABLE IF NOT EXISTS faults (method TEXT PRIMARY KEY, remaining INTEGER NOT NULL);
    `);
  }

  close(): void {
    this.db.close();
  }

  find(outTradeNo: string): SandboxTrade | null {
    const row = this.db.prepare('SELECT * FROM trades WHERE out_trade_no = ?').get(outTradeNo) as TradeRow | undefined;
    return row ? tradeOf(row) : null;
  }

  /** The buyer opened the cashier: Alipay now knows the trade, awaiting payment. Returns it as it stands. */
  open(outTradeNo: string, totalAmount: Fen, tradeNo: string): SandboxTrade {
    this.db.prepare(`INSERT OR IGNORE INTO trades (out_trade_no, trade_no, status, total_amount) VALUES (?, ?, 'WAIT_BUYER_PAY', ?)`).run(outTradeNo, tradeNo, totalAmount);
    return this.find(outTradeNo)!;
  }

  /** WAIT_BUYER_PAY → TRADE_SUCCESS; null when the trade was paid or closed already. */
  pay(outTradeNo: string, totalAmount: Fen, tradeNo: string, now: Date): SandboxTrade | null {
    return this.immediate(() => {
      const trade = this.open(outTradeNo, totalAmount, tradeNo);
      if (trade.status !== 'WAIT_BUYER_PAY') return null;
      this.db.prepare(`UPDATE trades SET status = 'TRADE_SUCCESS', paid_at = ? WHERE out_trade_no = ?`).run(now.toISOString(), outTradeNo);
      return this.find(outTradeNo);
    });
  }

  /** `alipay.trade.close`: only a trade awaiting payment closes. */
  closeTrade(outTradeNo: string): { ok: true; trade: SandboxTrade } | { ok: false; refusal: SandboxRefusal } {
    return this.immediate(() => {
      const trade = this.find(outTradeNo);
      if (!trade) return { ok: false, refusal: 'ACQ.TRADE_NOT_EXIST' as const };
      if (trade.status !== 'WAIT_BUYER_PAY') return { ok: false, refusal: 'ACQ.TRADE_STATUS_ERROR' as const };
      this.db.prepare(`UPDATE trades SET status = 'TRADE_CLOSED' WHERE out_trade_no = ?`).run(outTradeNo);
      return { ok: true as const, trade: this.find(outTradeNo)! };
    });
  }

  /**
   * `alipay.trade.refund`, idempotent by `out_request_no` as Alipay is: the same request number asked again answers
   * the refund it already made (`fund_change` N) and moves no money. A trade refunded in full is closed.
   */
  refund(outTradeNo: string, outRequestNo: string, amount: Fen, now: Date): SandboxRefundResult {
    return this.immediate((): SandboxRefundResult => {
      const trade = this.find(outTradeNo);
      if (!trade) return { ok: false, refusal: 'ACQ.TRADE_NOT_EXIST' };
      const earlier = this.refundOf(outTradeNo, outRequestNo);
      if (earlier) return earlier.amount === amount ? { ok: true, trade, fundChange: 'N', refund: earlier } : { ok: false, refusal: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL' };
      if (trade.status === 'WAIT_BUYER_PAY') return { ok: false, refusal: 'ACQ.TRADE_STATUS_ERROR' };
      if (trade.status === 'TRADE_CLOSED') return { ok: false, refusal: 'ACQ.TRADE_HAS_CLOSE' };
      if (amount <= 0 || trade.refundedAmount + amount > trade.totalAmount) return { ok: false, refusal: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL' };
      const refund: SandboxRefund = { outTradeNo, outRequestNo, amount, createdAt: now.toISOString() };
      this.db.prepare('INSERT INTO refunds (out_trade_no, out_request_no, amount, created_at) VALUES (?, ?, ?, ?)').run(outTradeNo, outRequestNo, amount, refund.createdAt);
      const full = trade.refundedAmount + amount === trade.totalAmount;
      this.db
        .prepare(`UPDATE trades SET refunded_amount = refunded_amount + ?, status = ? WHERE out_trade_no = ?`)
        .run(amount, full ? 'TRADE_CLOSED' : trade.status, outTradeNo);
      return { ok: true, trade: this.find(outTradeNo)!, fundChange: 'Y', refund };
    });
  }

  refundOf(outTradeNo: string, outRequestNo: string): SandboxRefund | null {
    const row = this.db.prepare('SELECT * FROM refunds WHERE out_trade_no = ? AND out_request_no = ?').get(outTradeNo, outRequestNo) as RefundRow | undefined;
    return row ? refundOf(row) : null;
  }

  refundsOf(outTradeNo: string): SandboxRefund[] {
    return (this.db.prepare('SELECT * FROM refunds WHERE out_trade_no = ? ORDER BY created_at, out_request_no').all(outTradeNo) as RefundRow[]).map(refundOf);
  }

  /** The next `times` calls of `method` are carried out but their answers are lost. */
  dropNext(method: string, times = 1): void {
    this.db.prepare('INSERT INTO faults (method, remaining) VALUES (?, ?) ON CONFLICT (method) DO UPDATE SET remaining = remaining + excluded.remaining').run(method, times);
  }

  /** Whether this call of `method` is one whose answer must be lost (and uses that fault up). */
  takeDrop(method: string): boolean {
    return this.db.prepare('UPDATE faults SET remaining = remaining - 1 WHERE method = ? AND remaining > 0').run(method).changes === 1;
  }

  private immediate<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }
}

interface TradeRow {
  out_trade_no: string;
  trade_no: string;
  status: SandboxTradeStatus;
  total_amount: number;
  refunded_amount: number;
  paid_at: string;
}

interface RefundRow {
  out_trade_no: string;
  out_request_no: string;
  amount: number;
  created_at: string;
}

function tradeOf(row: TradeRow): SandboxTrade {
  return { outTradeNo: row.out_trade_no, tradeNo: row.trade_no, status: row.status, totalAmount: row.total_amount, refundedAmount: row.refunded_amount, paidAt: row.paid_at };
}

function refundOf(row: RefundRow): SandboxRefund {
  return { outTradeNo: row.out_trade_no, outRequestNo: row.out_request_no, amount: row.amount, createdAt: row.created_at };
}
