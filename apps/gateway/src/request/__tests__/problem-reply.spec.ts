import { MFA_PROBLEMS, Problem, PROBLEM_TYPE_BASE } from '@gatehouse/contracts';
import { FastifyReply } from 'fastify';
import { sendProblem } from '../problem-reply';

function replyRecorder() {
  const headers: Record<string, string> = {};
  const reply = {
    header: (name: string, value: string) => ((headers[name] = value), reply),
    status: () => reply,
    type: () => reply,
    send: () => reply,
  };
  return { reply: reply as unknown as FastifyReply, headers };
}

describe('sendProblem', () => {
  it('a 401 asks for a Bearer credential', () => {
    const { reply, headers } = replyRecorder();
    sendProblem(reply, { type: `${PROBLEM_TYPE_BASE}unauthorized`, title: 'Unauthorized', status: 401 });
    expect(headers['www-authenticate']).toBe('Bearer');
  });

  it('a step-up refusal carries the RFC 9470 challenge, with max_age when the problem knows it', () => {
    const problem: Problem = { type: `${PROBLEM_TYPE_BASE}${MFA_PROBLEMS.stepUpRequired}`, title: 'Unauthorized', status: 401 };
    const withAge = replyRecorder();
    sendProblem(withAge.reply, { ...problem, maxAgeSeconds: 600 });
    expect(withAge.headers['www-authenticate']).toBe('Bearer error="insufficient_user_authentication", error_description="A recent second factor is required", max_age=600');
    const without = replyRecorder();
    sendProblem(without.reply, problem);
    expect(without.headers['www-authenticate']).toBe('Bearer error="insufficient_user_authentication", error_description="A recent second factor is required"');
  });

  it('a 429 says when to retry', () => {
    const { reply, headers } = replyRecorder();
    sendProblem(reply, { type: `${PROBLEM_TYPE_BASE}too-many-requests`, title: 'Too Many Requests', status: 429, retryAfter: 7 });
    expect(headers['retry-after']).toBe('7');
  });
});
