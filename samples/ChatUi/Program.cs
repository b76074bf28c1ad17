using ToolFlow.Samples.ChatUi;

return await ChatUiApp.RunAsync(args).ConfigureAwait(false);
