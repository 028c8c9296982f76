import { cardValidUntil, issueCard } from '../src/core/cards.ts';
import { renderCardPdf } from '../src/render/card.ts';
import { CardBody } from './commons/checkin-schemas.ts';
import { cards } from './commons/dynamo.ts';
import { phones } from './commons/phones.ts';
import { clock, config, events } from './commons/services.ts';
import { publicRoute } from './http/route.ts';

const deps = { cards, phones, clock, events };
const issuer = new URL(config.publicBaseUrl).host;

/**
 * POST /v1/cards `{"phone"}`: the phone's personal QR card as a card-sized PDF, 201 when it was just made and
 * 200 for the live card the phone already has (same code). Public, like a check-in: whoever may type a phone
 * number on the check-in page may print its card; the card reveals nothing that typing would not.
 */
export const handler = publicRoute(events, { body: CardBody }, async ({ body }) => {
  const { card, created } = await issueCard(deps, body.phone);
  const pdf = await renderCardPdf({ code: card.code, validUntil: cardValidUntil(card), issuer });
  return { status: created ? 201 : 200, file: { body: pdf, contentType: 'application/pdf' } };
});
