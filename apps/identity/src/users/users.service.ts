import {
  CreateUserRequest, IdentityEvents, ListUsersRequest, Page, resolvePage, SubjectFacts, UserView,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { Outbox } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isEmail } from 'class-validator';
import { DataSource, EntityManager } from 'typeorm';
import { PasswordHasher } from '../passwords/password-hasher';
import { PasswordPolicyService } from '../passwords/password-policy';
import { UserEntity } from './user.entity';
import { toSubjectFacts, toUserView } from './user.mapper';

const SORTABLE = ['username', 'email', 'createdAt'] as const;

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicyService,
    private readonly outbox: Outbox,
  ) {}

  /** Creates a user; the first user of the instance is created only through `createFirst`. */
  async create(request: CreateUserRequest): Promise<UserView> {
    const user = await this.dataSource.transaction((manager) => this.insert(manager, request, request.superAdmin ?? false));
    void this.outbox.flush();
    return toUserView(user);
  }

  /** Set-up: creates the first user as Super Admin, only while no user exists (409 afterwards). */
  async createFirst(request: CreateUserRequest): Promise<UserView> {
    const user = await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('identity:first-user'))`);
      if ((await manager.getRepository(UserEntity).count()) > 0) {
        throw ProblemException.conflict('Set-up is already complete: the instance has users');
      }
      return this.insert(manager, request, true);
    });
    void this.outbox.flush();
    return toUserView(user);
  }

  async get(id: string): Promise<UserView> {
    return toUserView(await this.findOrFail(id));
  }

  async findByUsernameOrEmail(login: string): Promise<UserView> {
    const user = await this.dataSource
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .where('lower(u.username) = lower(:login) OR lower(u.email) = lower(:login)', { login })
      .getOne();
    if (!user) throw ProblemException.notFound(`No user with username or email "${login}"`);
    return toUserView(user);
  }

  async list(query: ListUsersRequest): Promise<Page<UserView>> {
    const page = resolvePage(query, SORTABLE, 'username');
    const qb = this.dataSource.getRepository(UserEntity).createQueryBuilder('u');
    if (query.q) {
      qb.where(`(u.username ILIKE :q OR u.email ILIKE :q OR u.first_name ILIKE :q OR u.last_name ILIKE :q)`, {
        q: `%${query.q.replace(/[%_\\]/g, (c) => '\\' + c)}%`,
      });
    }
    const [rows, total] = await qb
      .orderBy(`u.${page.sortField}`, page.sortDir)
      .addOrderBy('u.id')
      .skip(page.offset)
      .take(page.size)
      .getManyAndCount();
    return { results: rows.map(toUserView), total, page: page.page, size: page.size };
  }

  async facts(id: string): Promise<SubjectFacts> {
    return toSubjectFacts(await this.findOrFail(id));
  }

  async countAll(): Promise<number> {
    return this.dataSource.getRepository(UserEntity).count();
  }

  private async findOrFail(id: string): Promise<UserEntity> {
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id });
    if (!user) throw ProblemException.notFound(`User ${id} does not exist`);
    return user;
  }

  private async insert(manager: EntityManager, request: CreateUserRequest, superAdmin: boolean): Promise<UserEntity> {
    const email = request.email ?? (isEmail(request.username) ? request.username : undefined);
    if (!email) {
      throw ProblemException.validation([{ field: 'email', message: 'email is required when the username is not an email address' }]);
    }
    const check = this.policy.validate(request.password);
    if (!check.valid) {
      throw ProblemException.validation(check.errors.map((message) => ({ field: 'password', message })));
    }
    const repo = manager.getRepository(UserEntity);
    const clash = await repo
      .createQueryBuilder('u')
      .where('lower(u.username) = lower(:username) OR lower(u.email) = lower(:email)', { username: request.username, email })
      .getOne();
    if (clash) throw ProblemException.conflict('A user with this username or email already exists');
    const user = repo.create({
      username: request.username,
      email,
      firstName: request.firstName ?? null,
      lastName: request.lastName ?? null,
      passwordHash: await this.hasher.hash(request.password),
      superAdmin,
      status: 'ACTIVE',
    });
    const saved = await repo.save(user);
    await this.outbox.add(manager, IdentityEvents.subjectChanged, toSubjectFacts(saved));
    return saved;
  }
}
