// Every page of the console: its route (the URL hash), its navigation label, its component and who may see it.
// One line per page; the shell (app.jsx) builds the navigation and the router from this list.
import { Placeholder } from "./Placeholder.jsx";

export const PAGES = [
  { route: "promotions", label: "Promotions", component: Placeholder, roles: ["OPERATOR", "ADMIN", "AUDITOR"] },
];
