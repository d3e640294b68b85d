import { applyDecorators, SetMetadata, UseFilters, UseInterceptors } from '@nestjs/common';
import { MallEnvelopeInterceptor, PartnerEnvelopeInterceptor } from './envelope.interceptors';
import { MallExceptionFilter, PartnerExceptionFilter } from './exception.filters';

import { SUCCESS_MSG } from './envelope.interceptors';

/** Partner and admin API: `{code, errors, msg, result}`. */
export const PartnerApi = () => applyDecorators(UseInterceptors(PartnerEnvelopeInterceptor), UseFilters(PartnerExceptionFilter));

/** Mall open API (YunShop style): `{result, msg, data}`. */
export const MallApi = () => applyDecorators(UseInterceptors(MallEnvelopeInterceptor), UseFilters(MallExceptionFilter));

/** The `msg` of a successful response, when the family's default does not fit (`创建成功`). */
export const SuccessMessage = (msg: string) => SetMetadata(SUCCESS_MSG, msg);
