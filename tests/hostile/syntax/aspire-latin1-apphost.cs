var builder = DistributedApplication.CreateBuilder(args);
// café
builder.AddRedis("cache");
