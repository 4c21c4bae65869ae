curl 'https://api.notion.com/v1/pages/b56cba9682ab46f2866ae7a9e590dff3' \
    -H 'Notion-Version: 2025-09-03' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"''
