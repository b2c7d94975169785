export function ProjectsPage() {
  return <div className="page">ProjectsPage: to be built</div>;
}
