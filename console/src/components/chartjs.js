// Chart.js with only the pieces the dashboards draw registered, so the bundler drops the rest (other chart types,
// time scales, plugins we do not show).
import {
  ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Legend, LinearScale,
  LineController, LineElement, PointElement, Tooltip,
} from "chart.js";

Chart.register(
  ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Legend, LinearScale, LineController,
  LineElement, PointElement, Tooltip,
);

export { Chart };
