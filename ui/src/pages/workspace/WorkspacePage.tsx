import { useParams } from "react-router";
import { WorkspaceView } from "../../workspace/WorkspaceView";

/** `/:entity/:project`: the runs table and the charts of a project. */
export default function WorkspacePage() {
  const { entity = "", project = "" } = useParams();
  // A new project remounts the view, so no state leaks from the previous one.
  return <WorkspaceView key={`${entity}/${project}`} entity={entity} project={project} />;
}
