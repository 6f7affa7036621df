// Every page of the console: its route (the URL hash), its navigation label, its component and who may see it.
// One line per page; the shell (app.jsx) builds the navigation and the router from this list. `nav: false`: routed
// but not in the navigation (reached by links, e.g. a promotion's history).
import { History } from "./History.jsx";
import { lazyPage } from "./lazy.jsx";
import { Promotions } from "./Promotions.jsx";
import { Review } from "./Review.jsx";
import { Rewards } from "./Rewards.jsx";
import { Users } from "./Users.jsx";

// Chart.js is most of the bundle: fetched with the dashboards page, not on first load.
const Dashboards = lazyPage(() => import("./Dashboards.jsx"), "Dashboards");

const STAFF = ["OPERATOR", "ADMIN", "AUDITOR"];

export const PAGES = [
  { route: "promotions", label: "Promotions", component: Promotions, roles: STAFF },
  { route: "rewards", label: "Rewards", component: Rewards, roles: STAFF },
  { route: "review", label: "Review", component: Review, roles: STAFF },
  { route: "dashboards", label: "Dashboards", component: Dashboards, roles: STAFF },
  { route: "users", label: "Users", component: Users, roles: ["ADMIN"] },
  { route: "history", label: "History", component: History, roles: STAFF, nav: false },
];
