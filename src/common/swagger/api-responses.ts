import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { ReferenceObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ErrorCode, HTTP_STATUS_OF } from '../errors/app-error';
import { ApiFamily } from '../envelope/envelopes';

const MEANING: Record<number, string> = {
  40001: '参数错误 / invalid parameters (errors maps each bad field)',
  40101: '签名错误 / missing or wrong signature, unknown app_id, bad admin token',
  40102: '请求过期或重放 / timestamp outside the window, or nonce reused with other parameters',
  40103: '用户令牌无效 / partner user token missing (where required), invalid, expired, or for another user_id',
  40401: '不存在 / not found (also when it belongs to someone else)',
  40901: '冲突 / idempotency key reused with other parameters, or the same request still in progress',
  42201: '余额或积分不足 / insufficient balance or points',
  42202: '优惠券不可用 / coupon not usable',
  42203: '库存不足或已下架 / out of stock or off sale',
  42204: '状态不允许 / the status does not allow this action',
  42205: '退款金额超出可退金额 / refund amount above what remains refundable',
  42901: '请求过于频繁 / rate limited',
  50001: '服务器内部错误 / internal error or database unavailable (errors.request_id)',
};

const ERRORS: SchemaObject = { type: 'object', additionalProperties: { type: 'string' } };

/** The error envelope of a family (SPEC §2): every field always present. */
export function errorEnvelopeSchema(family: ApiFamily): SchemaObject {
  return family === 'partner'
    ? { type: 'object', required: ['code', 'errors', 'msg', 'result'], properties: { code: { type: 'integer' }, errors: ERRORS, msg: { type: 'string' }, result: { type: 'object' } } }
    : {
        type: 'object',
        required: ['result', 'msg', 'data'],
        properties: {
          result: { type: 'integer', enum: [0] },
          msg: { type: 'string' },
          data: { type: 'object', required: ['code', 'errors'], properties: { code: { type: 'integer' }, errors: ERRORS } },
        },
      };
}

function errorExample(family: ApiFamily, code: ErrorCode): object {
  return family === 'partner'
    ? { code, errors: code === 40001 ? { field: '字段说明' } : {}, msg: MEANING[code].split(' / ')[0], result: {} }
    : { result: 0, msg: MEANING[code].split(' / ')[0], data: { code, errors: code === 40001 ? { field: '字段说明' } : {} } };
}

/** Documents the success envelope around `model` (or an empty object) and each listed error code. */
export function ApiEnvelope(family: ApiFamily, model: Type<unknown> | null, errorCodes: ErrorCode[], successMsg?: string) {
  const dataSchema: SchemaObject | ReferenceObject = model ? { $ref: getSchemaPath(model) } : { type: 'object' };
  const okSchema: SchemaObject = family === 'partner'
    ? {
        type: 'object',
        required: ['code', 'errors', 'msg', 'result'],
        properties: { code: { type: 'integer', enum: [1] }, errors: { type: 'object', example: {} }, msg: { type: 'string', example: successMsg ?? '操作成功' }, result: dataSchema },
      }
    : { type: 'object', required: ['result', 'msg', 'data'], properties: { result: { type: 'integer', enum: [1] }, msg: { type: 'string', example: successMsg ?? '成功' }, data: dataSchema } };
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...errorCodes, ErrorCode.Internal]) {
    const status = HTTP_STATUS_OF[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const errorDecorators = [...byStatus.entries()].map(([status, codes]) => {
    const examples = Object.fromEntries(codes.map((c) => [String(c), { summary: MEANING[c], value: errorExample(family, c) }]));
    return ApiResponse({
      status,
      description: codes.map((c) => `${c}: ${MEANING[c]}`).join('; '),
      content: { 'application/json': { schema: errorEnvelopeSchema(family), examples } },
    });
  });
  return applyDecorators(...(model ? [ApiExtraModels(model)] : []), ApiResponse({ status: 200, description: '成功 / success', schema: okSchema }), ...errorDecorators);
}
