// Every page of the console: its route (the URL hash), its navigation label, its component and who may see it.
// One line per page; the shell (app.jsx) builds the navigation and the router from this list.
import { Promotions } from "./Promotions.jsx";
import { Rewards } from "./Rewards.jsx";

const STAFF = ["OPERATOR", "ADMIN", "AUDITOR"];

export const PAGES = [
  { route: "promotions", label: "Promotions", component: Promotions, roles: STAFF },
  { route: "rewards", label: "Rewards", component: Rewards, roles: STAFF },
];
