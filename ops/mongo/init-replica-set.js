// compose.yaml's `mongo-init`: make mongo1..3 the replica set rs0 and give the parts their own user. Safe to run
// again: an existing set is left as it is and the user's password is set to MONGO_APP_PASSWORD.
// Each member starts with the root user (MONGO_INITDB_ROOT_*) and --keyFile, so everything here authenticates.
const MEMBERS = ["mongo1:27017", "mongo2:27017", "mongo3:27017"];
const ROOT_PASSWORD = process.env.MONGO_ROOT_PASSWORD;
const APP_PASSWORD = process.env.MONGO_APP_PASSWORD;
const ATTEMPTS = 120;

// On its first start a member runs a set-up mongod on 127.0.0.1 only; retry until the real one answers here.
function adminOf(uri) {
  for (let attempt = 1; ; attempt++) {
    try {
      const admin = new Mongo(uri).getDB("admin");
      admin.auth("root", ROOT_PASSWORD);
      admin.runCommand({ ping: 1 });
      return admin;
    } catch (error) {
      if (attempt >= ATTEMPTS) throw error;
      sleep(1000);
    }
  }
}

const first = adminOf(`mongodb://${MEMBERS[0]}/?directConnection=true`);
MEMBERS.slice(1).forEach((member) => adminOf(`mongodb://${member}/?directConnection=true`));

const status = first.runCommand({ replSetGetStatus: 1 });
if (status.ok) {
  print(`replica set ${status.set} exists: ${status.members.map((m) => m.name + " " + m.stateStr).join(", ")}`);
} else if (status.codeName === "NotYetInitialized") {
  const config = { _id: "rs0", members: MEMBERS.map((host, i) => ({ _id: i, host, priority: i === 0 ? 2 : 1 })) };
  const reply = first.runCommand({ replSetInitiate: config });
  if (!reply.ok) throw new Error(`replSetInitiate failed: ${tojson(reply)}`);
  print(`replica set rs0 initiated with ${MEMBERS.join(", ")}`);
} else {
  throw new Error(`replSetGetStatus failed: ${tojson(status)}`);
}

for (let attempt = 1; !first.runCommand({ hello: 1 }).primary; attempt++) {
  if (attempt >= ATTEMPTS) throw new Error("no primary elected");
  sleep(1000);
}

const admin = adminOf(`mongodb://${MEMBERS.join(",")}/?replicaSet=rs0`);
const roles = [{ role: "readWrite", db: "ledger" }];
if (admin.getUser("ledger") === null) {
  admin.createUser({ user: "ledger", pwd: APP_PASSWORD, roles });
  print("user ledger created");
} else {
  admin.updateUser("ledger", { pwd: APP_PASSWORD, roles });
  print("user ledger updated");
}
